package plan_test

import (
	"bytes"
	"context"
	"encoding/json"
	"maps"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/omhcl/omhcl/lang"
	"github.com/omhcl/omhcl/plan"
	"github.com/omhcl/omhcl/providers"
	_ "github.com/omhcl/omhcl/providers/all"
	"github.com/omhcl/omhcl/state"
	"github.com/zclconf/go-cty/cty"
)

// These tests plan from snapshots, the path a CI runner takes: the plan is
// a pure function of configuration and live state, so no root is needed.

const svcHCL = `
service "svc1" {
  nodes = ["demo1", "demo2"]
  ip "0" {
    ipname = "%IP%"
    ipdev  = "br-prd"
  }
  disk "data" {
    type = "loop"
    file = "/srv/svc1.img"
    size = "64m"
  }
  fs "app" {
    dev = disk.data.exposed_devs[0]
    mnt = "/svc1/app"
  }
  app "web" {
    start   = "/svc1/app/launcher start ${ip.0.ipaddr}"
    check   = "/svc1/app/launcher status"
    standby = %STANDBY%
  }
}
`

func config(t *testing.T, ip string, standby bool) *lang.Config {
	t.Helper()
	src := strings.NewReplacer("%IP%", ip, "%STANDBY%", map[bool]string{true: "true", false: "false"}[standby]).Replace(svcHCL)
	cfg, diags := lang.LoadFiles(map[string][]byte{"svc1.hcl": []byte(src)})
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	return cfg
}

// snapshot is the live state of svc1 on node: every resource in state st,
// provisioned or not, applied with the settings of cfg when up.
func snapshot(t *testing.T, cfg *lang.Config, node string, st providers.State, provisioned bool) *plan.Live {
	t.Helper()
	empty := plan.Snapshot{Live: &plan.Live{FormatVersion: plan.LiveFormatVersion, Node: node}}
	inst, li, diags := empty.Instance(context.Background(), cfg.Service("svc1"), node)
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	for _, lr := range li.Resources {
		lr.Status, lr.Provisioned = st, provisioned
		if lr.RID == "ip#0" { // the driver knows it from ipname, up or not
			ip := inst.Resource("ip#0").Attrs["ipname"].AsString()
			lr.Exposed = plan.Values{"ipaddr": cty.StringVal(strings.Split(ip, "/")[0]), "prefix": cty.NumberIntVal(24)}
		}
		if st == providers.Up {
			r := inst.Resource(lr.RID)
			attrs := plan.Values{}
			for k, v := range r.Attrs {
				if v.IsWhollyKnown() {
					attrs[k] = v
				}
			}
			if lr.RID == "disk#data" {
				lr.Exposed = plan.Values{"exposed_devs": cty.ListVal([]cty.Value{cty.StringVal("/dev/loop7")})}
			}
			lr.Applied = &attrs
		}
	}
	return &plan.Live{FormatVersion: plan.LiveFormatVersion, Node: node, Services: []*plan.LiveInstance{li}}
}

// settle makes the snapshot's applied records match what the config
// evaluates to with the snapshot's exposed values.
func settle(t *testing.T, cfg *lang.Config, live *plan.Live) {
	t.Helper()
	inst, _, diags := plan.Snapshot{Live: live}.Instance(context.Background(), cfg.Service("svc1"), live.Node)
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	for _, lr := range live.Services[0].Resources {
		attrs := plan.Values(inst.Resource(lr.RID).Attrs)
		lr.Applied = &attrs
	}
}

func makePlan(t *testing.T, cfg *lang.Config, live *plan.Live, opts plan.Options) *plan.Plan {
	t.Helper()
	opts.Node = live.Node
	p, _, diags := plan.Make(context.Background(), plan.Request{Config: cfg, Source: plan.Snapshot{Live: live}, Options: opts})
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	return p
}

func steps(p *plan.Plan) []string {
	var out []string
	for _, s := range p.Steps {
		out = append(out, string(s.Action)+" "+s.RID)
	}
	return out
}

func TestStartFromScratchProvisionsThenStartsInOrder(t *testing.T) {
	cfg := config(t, "198.18.0.10/24", false)
	p := makePlan(t, cfg, snapshot(t, cfg, "demo1", providers.Down, false), plan.Options{})
	want := []string{"start ip#0", "provision disk#data", "start disk#data", "provision fs#app", "start fs#app", "start app#web"}
	if got := steps(p); !slices.Equal(got, want) {
		t.Fatalf("steps\n got %q\nwant %q", got, want)
	}
	var fs *plan.Change
	for _, c := range p.Changes {
		if c.RID == "fs#app" {
			fs = c
		}
	}
	if fs == nil || !slices.Contains(fs.After.Unknown, "dev") {
		t.Fatalf("fs dev should be known only after apply: %+v", fs.After)
	}
	var text bytes.Buffer
	plan.WriteText(&text, p, false)
	for _, want := range []string{`\+ fs "app" \{`, `dev +\= \(known after apply\)`, `Plan: 4 to start, 0 to stop, 0 to replace, 0 to update in place, 2 to provision, 0 to unprovision\.`} {
		if !regexp.MustCompile(want).MatchString(text.String()) {
			t.Errorf("text plan lacks %s:\n%s", want, text.String())
		}
	}
}

func TestConvergedNodeHasNoChanges(t *testing.T) {
	cfg := config(t, "198.18.0.10/24", false)
	live := snapshot(t, cfg, "demo1", providers.Up, true)
	settle(t, cfg, live)
	p := makePlan(t, cfg, live, plan.Options{})
	if !p.Empty() {
		t.Fatalf("converged node plans %q", steps(p))
	}
	var text bytes.Buffer
	plan.WriteText(&text, p, false)
	if !strings.HasPrefix(text.String(), "No changes.") {
		t.Fatalf("text: %s", text.String())
	}
}

func TestChangedIPReplacesWithOldSettingsAndRestartsTheAppUsingIt(t *testing.T) {
	old := config(t, "198.18.0.10/24", false)
	live := snapshot(t, old, "demo1", providers.Up, true)
	settle(t, old, live)
	p := makePlan(t, config(t, "198.18.0.11/24", false), live, plan.Options{})
	want := []string{"stop app#web", "stop ip#0", "start ip#0", "start app#web"}
	if got := steps(p); !slices.Equal(got, want) {
		t.Fatalf("steps\n got %q\nwant %q", got, want)
	}
	ip := p.Changes[0]
	ops := strings.Join(ip.Operations, "\n")
	if !strings.Contains(ops, "del 198.18.0.10/24") || !strings.Contains(ops, "add 198.18.0.11/24") {
		t.Fatalf("replace must remove the old address and add the new one:\n%s", ops)
	}
	var text bytes.Buffer
	plan.WriteText(&text, p, false)
	if !strings.Contains(text.String(), `~ ipname = "198.18.0.10/24" -> "198.18.0.11/24"`) {
		t.Fatalf("text plan does not show the change:\n%s", text.String())
	}
}

func TestSecondaryNodeStartsOnlyStandbyResources(t *testing.T) {
	cfg := config(t, "198.18.0.10/24", true)
	live := snapshot(t, cfg, "demo2", providers.Down, true)
	if got := steps(makePlan(t, cfg, live, plan.Options{})); !slices.Equal(got, []string{"start app#web"}) {
		t.Fatalf("secondary node steps %q, want the standby app only", got)
	}
}

func TestUnprovisionIsExplicitAndLoud(t *testing.T) {
	cfg := config(t, "198.18.0.10/24", false)
	live := snapshot(t, cfg, "demo1", providers.Up, true)
	settle(t, cfg, live)
	p := makePlan(t, cfg, live, plan.Options{Target: plan.TargetUnprovision})
	var destroy []string
	for _, c := range p.Changes {
		if c.DestroysData {
			destroy = append(destroy, c.RID)
		}
	}
	if !slices.Equal(destroy, []string{"disk#data", "fs#app"}) {
		t.Fatalf("destroys data: %q", destroy)
	}
	var md bytes.Buffer
	plan.WriteMarkdown(&md, p)
	if !strings.Contains(md.String(), "**Data will be destroyed**") {
		t.Fatalf("markdown does not call out destruction:\n%s", md.String())
	}
	for _, c := range makePlan(t, cfg, live, plan.Options{Target: plan.TargetDown}).Changes {
		if c.DestroysData {
			t.Fatalf("a plain stop destroys %s", c.RID)
		}
	}
}

func TestRIDSubset(t *testing.T) {
	cfg := config(t, "198.18.0.10/24", false)
	live := snapshot(t, cfg, "demo1", providers.Down, true)
	if got := steps(makePlan(t, cfg, live, plan.Options{RIDs: []string{"app#web"}})); !slices.Equal(got, []string{"start app#web"}) {
		t.Fatalf("--rid app#web: %q", got)
	}
	if got := steps(makePlan(t, cfg, live, plan.Options{RIDs: []string{"disk"}})); !slices.Equal(got, []string{"start disk#data"}) {
		t.Fatalf("--rid disk: %q", got)
	}
}

func TestJSONDocument(t *testing.T) {
	cfg := config(t, "198.18.0.10/24", false)
	p := makePlan(t, cfg, snapshot(t, cfg, "demo1", providers.Down, true), plan.Options{})
	var buf bytes.Buffer
	if err := plan.WriteJSON(&buf, p); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		FormatVersion string `json:"format_version"`
		Changes       []struct {
			Address string   `json:"address"`
			Node    string   `json:"node"`
			Actions []string `json:"actions"`
			After   struct {
				Unknown []string `json:"config_unknown"`
			} `json:"after"`
		} `json:"resource_changes"`
	}
	if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.FormatVersion != plan.FormatVersion || len(doc.Changes) != 4 {
		t.Fatalf("document: %+v", doc)
	}
	if c := doc.Changes[2]; c.Address != "svc1.fs#app" || c.Node != "demo1" || !slices.Equal(c.Actions, []string{"start"}) || !slices.Equal(c.After.Unknown, []string{"dev"}) {
		t.Fatalf("fs change: %+v", c)
	}
}

func TestFingerprintFollowsTheLiveState(t *testing.T) {
	cfg := config(t, "198.18.0.10/24", false)
	a := snapshot(t, cfg, "demo1", providers.Down, true)
	b := snapshot(t, cfg, "demo1", providers.Down, true)
	if plan.Fingerprint(a.Services) != plan.Fingerprint(b.Services) {
		t.Fatal("equal states, different fingerprints")
	}
	b.Services[0].Resources[0].Status = providers.Up
	if plan.Fingerprint(a.Services) == plan.Fingerprint(b.Services) {
		t.Fatal("a resource came up and the fingerprint did not change")
	}
}

func TestChangedCheckCommandUpdatesInPlace(t *testing.T) {
	cfg := config(t, "198.18.0.10/24", false)
	live := snapshot(t, cfg, "demo1", providers.Up, true)
	settle(t, cfg, live)
	app := live.Services[0].Resource("app#web")
	(*app.Applied)["check"] = cty.StringVal("/svc1/app/launcher old-status")
	p := makePlan(t, cfg, live, plan.Options{})
	if got := steps(p); !slices.Equal(got, []string{"update app#web"}) {
		t.Fatalf("steps %q, want an in-place update", got)
	}
	if p.Changes[0].Symbol() != "~" {
		t.Fatalf("symbol %q", p.Changes[0].Symbol())
	}
	(*app.Applied)["start"] = cty.StringVal("/svc1/app/launcher start-old")
	if got := steps(makePlan(t, cfg, live, plan.Options{})); !slices.Equal(got, []string{"stop app#web", "start app#web"}) {
		t.Fatalf("a changed start command must restart the app, got %q", got)
	}
}

// TestProvisionedFlags reads flags as the seed's status shows them: P on
// every resource not provisioned yet, ip included ("/" for the app, which
// has nothing to provision), none once the record says provisioned.
func TestProvisionedFlags(t *testing.T) {
	cfg := config(t, "198.18.0.10/24", false)
	store := state.Open(t.TempDir())
	flags := func() map[string]string {
		_, li, diags := plan.Drivers{Store: store}.Instance(context.Background(), cfg.Service("svc1"), "demo1")
		if diags.HasErrors() {
			t.Fatal(diags.Error())
		}
		out := map[string]string{}
		for _, r := range li.Resources {
			out[r.RID] = r.Flags
		}
		return out
	}
	want := map[string]string{"ip#0": ".....P..", "disk#data": ".....P..", "fs#app": ".....P..", "app#web": "...../.."}
	if got := flags(); !maps.Equal(got, want) {
		t.Fatalf("fresh node flags %v, want %v", got, want)
	}
	rec, err := store.Load("svc1")
	if err != nil {
		t.Fatal(err)
	}
	for _, rid := range []string{"ip#0", "disk#data", "fs#app"} {
		rec.Resource(rid).Provisioned = true
	}
	if err := store.Save(rec); err != nil {
		t.Fatal(err)
	}
	want = map[string]string{"ip#0": "........", "disk#data": "........", "fs#app": "........", "app#web": "...../.."}
	if got := flags(); !maps.Equal(got, want) {
		t.Fatalf("provisioned flags %v, want %v", got, want)
	}
}
