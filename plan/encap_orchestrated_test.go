package plan_test

import (
	"bytes"
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/omhcl/omhcl/lang"
	"github.com/omhcl/omhcl/plan"
	"github.com/omhcl/omhcl/providers"
)

// Seed 002's farmed-failover topology: a container on every node (flex at
// the node level), and inside, a failover service among the containers,
// placed by daemons running in them.
const farmedHCL = `
service "web" {
  nodes       = ["n1", "n2", "n3"]
  encapnodes  = ["vm-n1", "vm-n2", "vm-n3"]
  orchestrate = "ha"
  topology    = "flex"
  on "@encapnodes" {
    nodes    = ["vm-n1", "vm-n2", "vm-n3"]
    topology = "failover"
  }
  container "vm" {
    type     = "docker"
    hostname = "vm-${node.name}"
    image    = "omhcl-busybox:local"
    netns    = "host"
    command  = ["/usr/local/bin/om", "daemon", "run"]
  }
  ip "web" {
    ipname = "198.18.10.100/24"
    ipdev  = "eth0"
    tags   = ["encap"]
  }
  app "web" {
    type  = "simple"
    start = "/opt/demoweb serve"
    tags  = ["encap"]
  }
}
`

// farmedLive is web on node with its container up, as last applied, and
// the level inside as the agent there reports it: its resources in state
// inner, and whether a daemon runs there. The container is down, with no
// level reported, when containerUp is false.
func farmedLive(t *testing.T, cfg *lang.Config, node string, containerUp bool, inner providers.State, orchestrated bool) *plan.Live {
	t.Helper()
	empty := plan.Snapshot{Live: &plan.Live{FormatVersion: plan.LiveFormatVersion, Node: node}}
	inst, li, diags := empty.Instance(context.Background(), cfg.Service("web"), node)
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	hosts := plan.EncapHosts(inst)
	if len(hosts) != 1 {
		t.Fatalf("%d containers hosting an encap node, want 1", len(hosts))
	}
	ct := li.Resource(hosts[0].Container)
	if containerUp {
		attrs := plan.Values(inst.Resource(ct.RID).Attrs)
		ct.Status, ct.Applied = providers.Up, &attrs
		vm := hosts[0].Node
		_, in, diags := empty.Instance(context.Background(), cfg.Service("web"), vm)
		if diags.HasErrors() {
			t.Fatal(diags.Error())
		}
		in.Node = vm
		for _, lr := range in.Resources {
			if lr.Skipped == "" {
				lr.Status = inner
			}
		}
		in.Status = inner
		ct.Inside = &plan.EncapStatus{Node: vm, CheckedAt: time.Now(), Instance: in, Orchestrated: orchestrated}
	}
	return &plan.Live{FormatVersion: plan.LiveFormatVersion, Node: node, Services: []*plan.LiveInstance{li}}
}

func farmedConfig(t *testing.T) *lang.Config { t.Helper(); return farmedConfigOf(t, farmedHCL) }

func farmedConfigOf(t *testing.T, src string) *lang.Config {
	t.Helper()
	cfg, diags := lang.LoadFiles(map[string][]byte{"web.hcl": []byte(src)})
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	return cfg
}

func encapSteps(p *plan.Plan) []string {
	var out []string
	for _, s := range p.Steps {
		if s.EncapNode != "" {
			out = append(out, string(s.Action)+" "+s.Address+" to "+string(s.Target))
		}
	}
	return out
}

// The inner service runs in vm-n2, where the daemons inside put it. On
// n2 the node level's own rule says standby there (n2 is not the inner
// service's first node): without a daemon reported inside, the node
// stops it, which is right for a level only the node drives; with one,
// the node plans nothing there and says why.
func TestNodeLeavesAnOrchestratedLevelToTheDaemonsInside(t *testing.T) {
	cfg := farmedConfig(t)

	p := makePlan(t, cfg, farmedLive(t, cfg, "n2", true, providers.Up, false), plan.Options{})
	if got := encapSteps(p); !slices.Equal(got, []string{"start web[vm-n2] to standby"}) {
		t.Fatalf("no daemon inside: the node converges the level itself, steps %q", got)
	}
	if len(p.Notes) > 0 {
		t.Errorf("no daemon inside, yet notes %q", p.Notes)
	}

	for _, inner := range []providers.State{providers.Up, providers.Down} {
		p = makePlan(t, cfg, farmedLive(t, cfg, "n2", true, inner, true), plan.Options{})
		if !p.Empty() || len(p.Changes) > 0 {
			t.Errorf("a daemon inside, the level %s: the node plans %q, changes %d; want nothing", inner, steps(p), len(p.Changes))
		}
		if len(p.Notes) != 1 || !strings.Contains(p.Notes[0], "web[vm-n2]: placed by the daemons inside the containers") {
			t.Errorf("the plan does not say who places the level: notes %q", p.Notes)
		}
		var out bytes.Buffer
		plan.WriteText(&out, p, false)
		if !strings.Contains(out.String(), "No changes.") || !strings.Contains(out.String(), "Note: web[vm-n2]: placed by the daemons inside") {
			t.Errorf("the text plan:\n%s", out.String())
		}
	}

	// n1 is the inner service's first node: up by the node's rule; the
	// daemons keep it down in vm-n1 (it runs in vm-n2): nothing either.
	p = makePlan(t, cfg, farmedLive(t, cfg, "n1", true, providers.Down, true), plan.Options{})
	if !p.Empty() {
		t.Errorf("n1, a daemon inside: steps %q, want none", steps(p))
	}
	p = makePlan(t, cfg, farmedLive(t, cfg, "n1", true, providers.Down, false), plan.Options{})
	if got := encapSteps(p); !slices.Equal(got, []string{"start web[vm-n1] to up"}) {
		t.Errorf("n1, no daemon inside: steps %q, want the level started", got)
	}
}

// Up and standby are placement, left to the daemons; down and unprovision
// take the container away, and its agent stops the level first, daemon or
// not.
func TestOrchestratedLevelIsStoppedByTheNodeWhenItsContainerGoes(t *testing.T) {
	for _, tc := range []struct {
		t    plan.Target
		want bool
	}{{plan.TargetUp, true}, {plan.TargetStandby, true}, {plan.TargetProvision, true}, {plan.TargetDown, false}, {plan.TargetUnprovision, false}} {
		if got := plan.PlacedInside(tc.t); got != tc.want {
			t.Errorf("PlacedInside(%s) = %v, want %v", tc.t, got, tc.want)
		}
	}
	cfg := farmedConfig(t)
	p := makePlan(t, cfg, farmedLive(t, cfg, "n2", true, providers.Up, true), plan.Options{Target: plan.TargetDown})
	want := []string{"stop web[vm-n2]", "stop container#vm"}
	var got []string
	for _, s := range p.Steps {
		if s.EncapNode != "" {
			got = append(got, string(s.Action)+" "+s.Address)
		} else {
			got = append(got, string(s.Action)+" "+s.RID)
		}
	}
	if !slices.Equal(got, want) {
		t.Fatalf("target down with a daemon inside: steps %q, want %q", got, want)
	}
	if st := p.Steps[0]; st.Target != plan.TargetDown || !st.Optional {
		t.Errorf("the agent's stop: target %s, optional %v; want down, optional (the container stops next)", st.Target, st.Optional)
	}
	if len(p.Notes) > 0 {
		t.Errorf("notes %q on a level the node stops", p.Notes)
	}
	// The agent's last status said the level was down there, but the
	// daemons inside may have started it since: stopped all the same.
	p = makePlan(t, cfg, farmedLive(t, cfg, "n2", true, providers.Down, true), plan.Options{Target: plan.TargetDown})
	if got := encapSteps(p); !slices.Equal(got, []string{"stop web[vm-n2] to down"}) {
		t.Errorf("target down, the level reported down, a daemon inside: steps %q, want the agent's stop", got)
	}
	p = makePlan(t, cfg, farmedLive(t, cfg, "n2", true, providers.Down, false), plan.Options{Target: plan.TargetDown})
	if got := encapSteps(p); len(got) > 0 {
		t.Errorf("target down, the level reported down, no daemon inside: steps %q, want none", got)
	}
}

// A container that starts has no level reported yet: the node plans its
// agent's converge, known after apply, whatever the last status said; the
// agent then finds the daemon there and leaves placement to it.
func TestStartingContainerOfAnOrchestratedLevelCallsItsAgent(t *testing.T) {
	cfg := farmedConfig(t)
	p := makePlan(t, cfg, farmedLive(t, cfg, "n3", false, providers.Down, false), plan.Options{})
	if got := encapSteps(p); !slices.Equal(got, []string{"start web[vm-n3] to standby"}) {
		t.Fatalf("steps %q", got)
	}
	for _, c := range p.Changes {
		if c.Level == plan.LevelEncap && !c.Deferred {
			t.Errorf("%s is not deferred to after apply", c.Address)
		}
	}
}
