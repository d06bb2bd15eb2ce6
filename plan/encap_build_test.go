package plan_test

import (
	"context"
	"strings"
	"testing"

	"github.com/omhcl/omhcl/lang"
	"github.com/omhcl/omhcl/plan"
	"github.com/omhcl/omhcl/providers"
)

// Seed 002's service: the node drives the container vm1, whose agent
// drives the encap ip and app.
const encapHCL = `
service "enc" {
  nodes      = ["hv1"]
  encapnodes = ["vm1"]
  on "@encapnodes" {
    nodes = ["vm1"]
  }
  container "0" {
    type     = "docker"
    hostname = "vm1"
    image    = "busybox"
  }
  ip "1" {
    ipname = "198.18.3.10/24"
    ipdev  = "eth0"
    tags   = ["encap"]
  }
  app "web" {
    type  = "simple"
    start = "/bin/httpd -f"
    tags  = ["encap"]
  }
}
`

// encapLive is the snapshot of enc on hv1: the container in state ctr;
// when it is up, the agent reports each inner resource in the state
// inner gives (absent: up).
func encapLive(t *testing.T, cfg *lang.Config, ctr providers.State, inner map[string]providers.State) *plan.Live {
	t.Helper()
	svc := cfg.Service("enc")
	node := snapshotOf(t, svc, "hv1", func(lr *plan.LiveResource) {
		if lr.RID == "container#0" {
			lr.Status = ctr
		}
	})
	if ctr == providers.Up {
		in := snapshotOf(t, svc, "vm1", func(lr *plan.LiveResource) {
			if lr.Skipped != "" {
				return
			}
			lr.Status = providers.Up
			if st, ok := inner[lr.RID]; ok {
				lr.Status = st
			}
		})
		node.Resource("container#0").Inside = &plan.EncapStatus{Node: "vm1", Instance: in}
	}
	return &plan.Live{FormatVersion: plan.LiveFormatVersion, Node: "hv1", Services: []*plan.LiveInstance{node}}
}

// snapshotOf is svc's live instance on node as a fresh snapshot plans it,
// with set applied to each resource; up resources are recorded as applied
// with their settings, so a plan finds nothing changed.
func snapshotOf(t *testing.T, svc *lang.Service, node string, set func(*plan.LiveResource)) *plan.LiveInstance {
	t.Helper()
	inst, li, diags := plan.Snapshot{}.Instance(context.Background(), svc, node)
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	for _, lr := range li.Resources {
		set(lr)
		if lr.Status == providers.Up {
			if r := inst.Resource(lr.RID); r != nil {
				v := plan.Values(r.Attrs)
				lr.Applied, lr.Provisioned = &v, true
			}
		}
	}
	return li
}

func encapPlan(t *testing.T, live *plan.Live, opts plan.Options) (*plan.Plan, error) {
	t.Helper()
	cfg := loadEncap(t)
	opts.Node = "hv1"
	p, _, diags := plan.Make(context.Background(), plan.Request{Config: cfg, Source: plan.Snapshot{Live: live}, Options: opts})
	if diags.HasErrors() {
		return p, diags
	}
	return p, nil
}

func loadEncap(t *testing.T) *lang.Config {
	t.Helper()
	cfg, diags := lang.LoadFiles(map[string][]byte{"enc.hcl": []byte(encapHCL)})
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	return cfg
}

// stepLines renders steps as "action address[ target]".
func stepLines(p *plan.Plan) string {
	var out []string
	for _, s := range p.Steps {
		line := string(s.Action) + " " + s.Address
		if s.EncapNode != "" {
			line += " " + string(s.Target)
			if s.Optional {
				line += " optional"
			}
			if len(s.RIDs) > 0 {
				line += " " + strings.Join(s.RIDs, ",")
			}
		}
		out = append(out, line)
	}
	return strings.Join(out, "; ")
}

func TestEncapStartChainsAfterTheNode(t *testing.T) {
	p, err := encapPlan(t, encapLive(t, loadEncap(t), providers.Down, nil), plan.Options{Target: plan.TargetUp})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := stepLines(p), "start enc.container#0; start enc[vm1] up"; got != want {
		t.Errorf("steps %q, want %q", got, want)
	}
	var inner []string
	for _, c := range p.Changes {
		if c.Level == plan.LevelEncap {
			inner = append(inner, c.Address)
			if !c.Deferred || c.EncapNode != "vm1" || c.Container != "container#0" {
				t.Errorf("%s: deferred %v, encap node %q, container %q: want known after apply, in vm1 (container#0)", c.Address, c.Deferred, c.EncapNode, c.Container)
			}
		} else if c.Level != plan.LevelNode {
			t.Errorf("%s: level %q", c.Address, c.Level)
		}
	}
	if strings.Join(inner, ",") != "enc[vm1].ip#1,enc[vm1].app#web" {
		t.Errorf("changes inside: %v", inner)
	}
}

func TestEncapStopStopsInsideFirst(t *testing.T) {
	p, err := encapPlan(t, encapLive(t, loadEncap(t), providers.Up, nil), plan.Options{Target: plan.TargetDown})
	if err != nil {
		t.Fatal(err)
	}
	// optional: the container stops next, with what runs in it
	if got, want := stepLines(p), "stop enc[vm1] down optional; stop enc.container#0"; got != want {
		t.Errorf("steps %q, want %q", got, want)
	}
}

func TestEncapConvergedIsEmpty(t *testing.T) {
	p, err := encapPlan(t, encapLive(t, loadEncap(t), providers.Up, nil), plan.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !p.Empty() {
		t.Errorf("plan of a converged service: %s", stepLines(p))
	}
}

// Only the level inside changes: one agent call, the changes known.
func TestEncapInnerChangeOnly(t *testing.T) {
	live := encapLive(t, loadEncap(t), providers.Up, map[string]providers.State{"app#web": providers.Down})
	p, err := encapPlan(t, live, plan.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := stepLines(p), "start enc[vm1] up"; got != want {
		t.Errorf("steps %q, want %q", got, want)
	}
	if len(p.Changes) != 1 || p.Changes[0].Address != "enc[vm1].app#web" || p.Changes[0].Deferred {
		t.Errorf("changes: %+v", p.Changes)
	}
}

// Seed 002: subset actions need a level.
func TestEncapSubsetNeedsALevel(t *testing.T) {
	live := encapLive(t, loadEncap(t), providers.Up, nil)
	_, err := encapPlan(t, live, plan.Options{Target: plan.TargetDown, RIDs: []string{"app#web"}})
	if err == nil || !strings.Contains(err.Error(), "--master") || !strings.Contains(err.Error(), "--slave NAME (inside one container: vm1)") {
		t.Fatalf("a subset action on an encap resource without a level: %v", err)
	}
	p, err := encapPlan(t, live, plan.Options{Target: plan.TargetDown, RIDs: []string{"app#web"}, Levels: plan.Levels{Slaves: []string{"vm1"}}})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := stepLines(p), "stop enc[vm1] down app#web"; got != want {
		t.Errorf("--slave vm1 steps %q, want %q", got, want)
	}
	// A subset of the node's own resources needs no level; the container
	// stops with its level inside.
	p, err = encapPlan(t, live, plan.Options{Target: plan.TargetDown, RIDs: []string{"container#0"}})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := stepLines(p), "stop enc[vm1] down optional; stop enc.container#0"; got != want {
		t.Errorf("--rid container#0 steps %q, want %q", got, want)
	}
	// --master: the node's resources; a container that stops still has
	// its agent stop the level first.
	p, err = encapPlan(t, live, plan.Options{Target: plan.TargetDown, Levels: plan.Levels{Master: true}})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := stepLines(p), "stop enc[vm1] down optional; stop enc.container#0"; got != want {
		t.Errorf("--master steps %q, want %q", got, want)
	}
	p, err = encapPlan(t, encapLive(t, loadEncap(t), providers.Up, map[string]providers.State{"app#web": providers.Down}), plan.Options{Levels: plan.Levels{Master: true}})
	if err != nil || !p.Empty() {
		t.Errorf("--master start with the level inside down: %v, steps %q: want nothing", err, stepLines(p))
	}
	// A name that is no encap node is an error, not an empty plan.
	for _, name := range []string{"vm2", ""} {
		_, err = encapPlan(t, live, plan.Options{Target: plan.TargetDown, RIDs: []string{"app#web"}, Levels: plan.Levels{Slaves: []string{name}}})
		if err == nil || !strings.Contains(err.Error(), "encap nodes: vm1") {
			t.Errorf("--slave %q: %v", name, err)
		}
	}
}

// A status the agent could not give keeps the service from reporting up.
func TestEncapAgentErrorIsNotUp(t *testing.T) {
	cfg := loadEncap(t)
	svc := cfg.Service("enc")
	li := snapshotOf(t, svc, "hv1", func(lr *plan.LiveResource) {
		if lr.Skipped == "" {
			lr.Status = providers.Up
		}
	})
	li.Resource("container#0").Inside = &plan.EncapStatus{Node: "vm1", Error: "no usable om agent"}
	if st, _ := li.Resource("container#0").Inside.State(); st == providers.Up {
		t.Errorf("an agent error counts as %s", st)
	}
}

// A dead container that shared the node's network namespace left its
// level's address on the node: the node plans to drop it itself, unless
// the container starts again (its agent plumbs it anew).
func TestEncapLeftoverAddressesAreDropped(t *testing.T) {
	cfg, diags := lang.LoadFiles(map[string][]byte{"enc.hcl": []byte(strings.Replace(encapHCL, `image    = "busybox"`, `image    = "busybox"
    netns    = "host"`, 1))})
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	live := encapLive(t, cfg, providers.Down, nil)
	live.Services[0].Resource("container#0").Inside = &plan.EncapStatus{Node: "vm1", Error: "the container does not run", Leftovers: []string{"ip#1"}}
	make := func(opts plan.Options) *plan.Plan {
		opts.Node = "hv1"
		p, _, diags := plan.Make(context.Background(), plan.Request{Config: cfg, Source: plan.Snapshot{Live: live}, Options: opts})
		if diags.HasErrors() {
			t.Fatal(diags.Error())
		}
		return p
	}
	p := make(plan.Options{Target: plan.TargetDown})
	if got, want := stepLines(p), "stop enc[vm1] down"; got != want || len(p.Steps) != 1 || strings.Join(p.Steps[0].NodeDrops, ",") != "ip#1" {
		t.Errorf("down: steps %q (node drops %v), want %q dropping ip#1", got, p.Steps, want)
	}
	if len(p.Notes) != 1 || !strings.Contains(p.Notes[0], "the node drops the addresses its level left: ip#1") {
		t.Errorf("notes %q", p.Notes)
	}
	if got := stepLines(make(plan.Options{Target: plan.TargetUp})); got != "start enc.container#0; start enc[vm1] up" {
		t.Errorf("up: steps %q", got)
	}
}
