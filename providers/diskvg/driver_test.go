package diskvg

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/omhcl/omhcl/providers"
	"github.com/omhcl/omhcl/testfixtures/disklab"
	"github.com/zclconf/go-cty/cty"
)

func newVG(t *testing.T, node string, attrs map[string]cty.Value) *driver {
	t.Helper()
	spec, ok := providers.Lookup("disk", "vg")
	if !ok {
		t.Fatal("disk.vg is not registered")
	}
	d, err := spec.New(&providers.Resource{Service: "svc1", Node: node, Kind: "disk", Type: "vg", Name: "0", Attrs: attrs})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return d.(*driver)
}

func vgAttrs(name string, pvs ...string) map[string]cty.Value {
	attrs := map[string]cty.Value{"name": cty.StringVal(name)}
	if len(pvs) > 0 {
		var vals []cty.Value
		for _, pv := range pvs {
			vals = append(vals, cty.StringVal(pv))
		}
		attrs["pvs"] = cty.ListVal(vals)
	}
	return attrs
}

// vgTags reads the VG's tags straight from LVM.
func vgTags(t *testing.T, vg string) []string {
	t.Helper()
	out := strings.TrimSpace(disklab.Run(t, "vgs", "--noheadings", "-o", "vg_tags", vg))
	if out == "" {
		return nil
	}
	return strings.Split(out, ",")
}

func exposed(t *testing.T, d *driver) cty.Value {
	t.Helper()
	v, ok := d.Exposed(context.Background())["exposed_devs"]
	if !ok {
		t.Fatal("exposed_devs missing")
	}
	return v
}

func requireLVM(t *testing.T) {
	t.Helper()
	disklab.RequireRoot(t)
	disklab.RequireLVM(t)
}

func TestNewRejectsBadAttrs(t *testing.T) {
	for name, tc := range map[string]struct {
		node  string
		attrs map[string]cty.Value
	}{
		"option-like name": {"n1", vgAttrs("-ff")},
		"dot name":         {"n1", vgAttrs("..")},
		"node not a tag":   {"a@b", vgAttrs("vg1")},
		"relative pv":      {"n1", vgAttrs("vg1", "loop0")},
	} {
		_, err := Spec.New(&providers.Resource{Node: tc.node, Kind: "disk", Type: "vg", Name: "0", Attrs: tc.attrs})
		if err == nil || !strings.Contains(err.Error(), "disk#0") {
			t.Errorf("%s: New = %v, want an error naming disk#0", name, err)
		}
	}
}

func TestUnknownAttrsAtPlanning(t *testing.T) {
	ctx := context.Background()
	d := newVG(t, "n1", map[string]cty.Value{"name": cty.UnknownVal(cty.String), "pvs": cty.UnknownVal(cty.List(cty.String))})
	if st := d.Status(ctx); st.State != providers.Down {
		t.Errorf("status = %v, want down", st)
	}
	if v := exposed(t, d); v.IsKnown() {
		t.Errorf("exposed_devs = %#v, want unknown", v)
	}
	unknown := providers.Unknown
	disklab.CheckOps(t, d, "at planning", map[providers.Action][]string{
		providers.ActStart: {
			"vgchange --deltag (tags of other nodes, if any) " + unknown,
			"vgchange --addtag @n1 " + unknown, "vgchange -a y " + unknown,
		},
		providers.ActStop:        {"vgchange -a n " + unknown, "vgchange --deltag @n1 " + unknown},
		providers.ActProvision:   {"pvcreate " + unknown + " (skipped when already a PV)", "vgcreate " + unknown + " " + unknown},
		providers.ActUnprovision: {"vgremove -f " + unknown, "pvremove " + unknown},
	})
	if got := d.Describe(); got != "vg (known after apply)" {
		t.Errorf("Describe = %q", got)
	}
}

// TestExposedListsLVs fakes lvs: this kernel cannot create an LV.
func TestExposedListsLVs(t *testing.T) {
	d := newVG(t, "n1", vgAttrs("vgdata"))
	d.probe = func(ctx context.Context, argv ...string) (string, error) {
		if argv[0] != "lvs" || argv[len(argv)-1] != "vgdata" {
			t.Errorf("unexpected probe %q", argv)
		}
		return "  app  \n  data  \n", nil
	}
	v := exposed(t, d)
	want := cty.ListVal([]cty.Value{cty.StringVal("/dev/vgdata/app"), cty.StringVal("/dev/vgdata/data")})
	if !v.RawEquals(want) {
		t.Errorf("exposed_devs = %#v, want %#v", v, want)
	}
	d.probe = func(ctx context.Context, argv ...string) (string, error) {
		return "", errors.New(`lvs: exit status 5: Volume group "vgdata" not found`)
	}
	if v := exposed(t, d); !v.RawEquals(cty.ListValEmpty(cty.String)) {
		t.Errorf("exposed_devs of a missing vg = %#v, want an empty list", v)
	}
}

// TestOperationsArePure: operations never query LVM, and name what only
// LVM knows; settings that make an action impossible read as an error.
func TestOperationsArePure(t *testing.T) {
	d := newVG(t, "n1", vgAttrs("vgdata"))
	d.probe = func(ctx context.Context, argv ...string) (string, error) {
		t.Errorf("Operations probed %q", argv)
		return "", errors.New("no probe")
	}
	ops := disklab.OpsOf(d)
	if want := []string{"vgremove -f vgdata", "pvremove (the physical volumes of vgdata)"}; !slices.Equal(ops[providers.ActUnprovision], want) {
		t.Errorf("unprovision operations = %q, want %q", ops[providers.ActUnprovision], want)
	}
	if want := []string{"vgcreate vgdata (pvs not set)"}; !slices.Equal(ops[providers.ActProvision], want) {
		t.Errorf("provision operations without pvs = %q, want %q", ops[providers.ActProvision], want)
	}
	nodeless := newVG(t, "", vgAttrs("vgdata"))
	for _, a := range []providers.Action{providers.ActStart, providers.ActStop} {
		if got := nodeless.Operations(context.Background(), a); len(got) != 1 || !strings.Contains(got[0], "no node name") {
			t.Errorf("%s operations without a node = %q, want the node error", a, got)
		}
	}
}

// TestCheckAttrsPVs: creating the VG without pvs fails the plan, at pvs;
// a plan that does not create it needs none.
func TestCheckAttrsPVs(t *testing.T) {
	d := newVG(t, "n1", vgAttrs("vgdata"))
	ctx := context.Background()
	errs := d.CheckAttrs(ctx, providers.Check{Actions: []providers.Action{providers.ActProvision, providers.ActStart}})
	if len(errs) != 1 || errs[0].Attr != "pvs" || !strings.Contains(errs[0].Msg, "pvs is required to create vg vgdata") {
		t.Errorf("CheckAttrs(provision) without pvs = %v, want the pvs error", errs)
	}
	if errs := d.CheckAttrs(ctx, providers.Check{Actions: []providers.Action{providers.ActStart}}); errs != nil {
		t.Errorf("CheckAttrs(start) without pvs = %v, want none", errs)
	}
}

func TestProvisionRequiresPVs(t *testing.T) {
	requireLVM(t)
	d := newVG(t, "n1", vgAttrs(disklab.Unique("omtnopv")))
	err := d.Provision(context.Background(), disklab.Log(t))
	if err == nil || !strings.Contains(err.Error(), "pvs is required") {
		t.Fatalf("Provision without pvs = %v", err)
	}
}

func TestMissingVG(t *testing.T) {
	requireLVM(t)
	ctx := context.Background()
	name := disklab.Unique("omtmiss")
	d := newVG(t, "n1", vgAttrs(name))
	st := d.Status(ctx)
	if st.State != providers.Down || !slices.Equal(st.Messages, []string{"vg " + name + " not found"}) {
		t.Errorf("status = %+v, want down, vg not found", st)
	}
	if v := exposed(t, d); !v.RawEquals(cty.ListValEmpty(cty.String)) {
		t.Errorf("exposed_devs = %#v, want an empty list", v)
	}
	if err := d.Start(ctx, disklab.Log(t)); err == nil || !strings.Contains(err.Error(), "provision creates it") {
		t.Errorf("Start = %v, want a not found error", err)
	}
	log := disklab.Log(t)
	if err := d.Stop(ctx, log); err != nil || !slices.Equal(disklab.Ops(log), []string{"vg " + name + " not found, nothing to stop"}) {
		t.Errorf("Stop = %v, log %q", err, log.Lines())
	}
}

// TestLifecycle provisions a VG on a blank loop device, starts and stops it
// twice each, and unprovisions it, checking LVM's view at every step.
func TestLifecycle(t *testing.T) {
	requireLVM(t)
	ctx := context.Background()
	pv := disklab.LoopPV(t)
	vg := disklab.Unique("omtvg")
	disklab.RemoveVGAtCleanup(t, vg, pv)
	d := newVG(t, "n1", vgAttrs(vg, pv))

	// The plan lines are the same in every state: a plan made from a
	// snapshot elsewhere must read like the node's own.
	wantOps := map[providers.Action][]string{
		providers.ActStart: {
			"vgchange --deltag (tags of other nodes, if any) " + vg,
			"vgchange --addtag @n1 " + vg, "vgchange -a y " + vg,
		},
		providers.ActStop:        {"vgchange -a n " + vg, "vgchange --deltag @n1 " + vg},
		providers.ActProvision:   {"pvcreate " + pv + " (skipped when already a PV)", "vgcreate " + vg + " " + pv},
		providers.ActUnprovision: {"vgremove -f " + vg, "pvremove " + pv},
	}
	step := func(name string, do func(context.Context, *providers.Log) error, want []string) {
		t.Helper()
		disklab.CheckOps(t, d, "before "+name, wantOps)
		log := disklab.Log(t)
		if err := do(ctx, log); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if got := disklab.Ops(log); len(want) > 0 && !slices.Equal(got, want) {
			t.Errorf("%s ran %q, want %q", name, got, want)
		}
	}
	state := func(want providers.State) {
		t.Helper()
		if st := d.Status(ctx); st.State != want {
			t.Errorf("status = %+v, want %s", st, want)
		}
	}

	step("provision", d.Provision, []string{"pvcreate " + pv, "vgcreate " + vg + " " + pv})
	state(providers.Down)
	step("provision again", d.Provision, nil)
	if v := exposed(t, d); !v.RawEquals(cty.ListValEmpty(cty.String)) {
		t.Errorf("exposed_devs of a vg without lv = %#v", v)
	}

	step("start", d.Start, []string{"vgchange --addtag @n1 " + vg, "vgchange -a y " + vg})
	if tags := vgTags(t, vg); !slices.Equal(tags, []string{"n1"}) {
		t.Errorf("tags after start = %q, want [n1]", tags)
	}
	state(providers.Up)
	log := disklab.Log(t)
	if err := d.Start(ctx, log); err != nil || !slices.Equal(disklab.Ops(log), []string{"vg " + vg + " is already up"}) {
		t.Errorf("second start: %v, log %q", err, log.Lines())
	}

	step("stop", d.Stop, []string{"vgchange -a n " + vg, "vgchange --deltag @n1 " + vg})
	if tags := vgTags(t, vg); tags != nil {
		t.Errorf("tags after stop = %q, want none", tags)
	}
	state(providers.Down)
	log = disklab.Log(t)
	if err := d.Stop(ctx, log); err != nil || !slices.Equal(disklab.Ops(log), []string{"vg " + vg + " is already down"}) {
		t.Errorf("second stop: %v, log %q", err, log.Lines())
	}

	step("unprovision", d.Unprovision, []string{"vgremove -f " + vg, "pvremove " + pv})
	if out, err := Probe(ctx, "vgs", vg); err == nil {
		t.Errorf("vg %s still exists: %s", vg, out)
	}
	if out, err := Probe(ctx, "pvs", pv); err == nil {
		t.Errorf("%s is still a PV: %s", pv, out)
	}
	log = disklab.Log(t)
	if err := d.Unprovision(ctx, log); err != nil || !slices.Equal(disklab.Ops(log), []string{"vg " + vg + " is already removed"}) {
		t.Errorf("second unprovision: %v, log %q", err, log.Lines())
	}
	disklab.CheckOps(t, d, "after unprovision", wantOps)
}

// TestStartTakesOver checks a start removes another node's tag, as on a
// failover after the other node died holding the VG.
func TestStartTakesOver(t *testing.T) {
	requireLVM(t)
	ctx := context.Background()
	vg, _ := disklab.LoopVG(t, "omttake")
	disklab.Run(t, "vgchange", "--addtag", "n2", vg)
	d := newVG(t, "n1", vgAttrs(vg))

	st := d.Status(ctx)
	if st.State != providers.Down || !slices.Equal(st.Messages, []string{"tagged for n2"}) {
		t.Errorf("status on n1 = %+v, want down, tagged for n2", st)
	}
	planned := d.Operations(ctx, providers.ActStart)
	log := disklab.Log(t)
	if err := d.Start(ctx, log); err != nil {
		t.Fatal(err)
	}
	want := []string{"vgchange --deltag @n2 " + vg, "vgchange --addtag @n1 " + vg, "vgchange -a y " + vg}
	if got := disklab.Ops(log); !slices.Equal(got, want) {
		t.Errorf("start ran %q, want %q", got, want)
	}
	planWant := []string{"vgchange --deltag (tags of other nodes, if any) " + vg, want[1], want[2]}
	if after := d.Operations(ctx, providers.ActStart); !slices.Equal(planned, planWant) || !slices.Equal(after, planWant) {
		t.Errorf("start operations before/after the takeover = %q / %q, want %q both times", planned, after, planWant)
	}
	if tags := vgTags(t, vg); !slices.Equal(tags, []string{"n1"}) {
		t.Errorf("tags after takeover = %q, want [n1]", tags)
	}
	other := newVG(t, "n2", vgAttrs(vg))
	if st := other.Status(ctx); st.State != providers.Down || !slices.Equal(st.Messages, []string{"tagged for n1"}) {
		t.Errorf("status on n2 = %+v, want down, tagged for n1", st)
	}
	// n2 stopping must not touch n1's ownership.
	if err := other.Stop(ctx, disklab.Log(t)); err != nil {
		t.Fatal(err)
	}
	if tags := vgTags(t, vg); !slices.Equal(tags, []string{"n1"}) {
		t.Errorf("tags after stop on n2 = %q, want [n1]", tags)
	}
}

// TestExists: a VG made by hand is what Provision keeps, and plans say so.
func TestExists(t *testing.T) {
	requireLVM(t)
	vg, _ := disklab.LoopVG(t, "omtexist")
	ctx := context.Background()
	if !newVG(t, "n1", vgAttrs(vg)).Exists(ctx) {
		t.Errorf("Exists of vg %s = false", vg)
	}
	if newVG(t, "n1", vgAttrs(disklab.Unique("omtnone"))).Exists(ctx) {
		t.Error("Exists of a missing vg = true")
	}
}
