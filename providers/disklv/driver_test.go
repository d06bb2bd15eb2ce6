package disklv

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"

	"github.com/omhcl/omhcl/providers"
	"github.com/omhcl/omhcl/testfixtures/disklab"
	"github.com/zclconf/go-cty/cty"
)

func lvResource(vg, name, size string) *providers.Resource {
	attrs := map[string]cty.Value{"vg": cty.StringVal(vg), "name": cty.StringVal(name)}
	if size != "" {
		attrs["size"] = cty.StringVal(size)
	}
	return &providers.Resource{Service: "svc1", Node: "n1", Kind: "disk", Type: "lv", Name: "1", Attrs: attrs}
}

func fakeDriver(t *testing.T, f *fakeLVM, r *providers.Resource) *driver {
	t.Helper()
	d, err := newDriver(r, f.run, f.probe)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestNewRejectsBadAttrs(t *testing.T) {
	for name, r := range map[string]*providers.Resource{
		"option-like name": lvResource("vg1", "-ff", "10m"),
		"bad vg":           lvResource("vg 1", "app", "10m"),
		"bad size":         lvResource("vg1", "app", "ten"),
		"bad share":        lvResource("vg1", "app", "50%ALL"),
	} {
		if _, err := Spec.New(r); err == nil || !strings.Contains(err.Error(), "disk#1") {
			t.Errorf("%s: New = %v, want an error naming disk#1", name, err)
		}
	}
	for _, size := range []string{"100m", "1.5G", "4096", "50%FREE", "100%VG"} {
		if _, err := Spec.New(lvResource("vg1", "app", size)); err != nil {
			t.Errorf("size %q rejected: %v", size, err)
		}
	}
}

func TestUnknownAttrsAtPlanning(t *testing.T) {
	ctx := context.Background()
	r := lvResource("vg1", "app", "10m")
	r.Attrs["vg"] = cty.UnknownVal(cty.String)
	f := newFakeLVM(t)
	d := fakeDriver(t, f, r)
	if st := d.Status(ctx); st.State != providers.Down {
		t.Errorf("status = %v, want down", st)
	}
	if v := d.Exposed(ctx)["exposed_devs"]; v.IsKnown() {
		t.Errorf("exposed_devs = %#v, want unknown", v)
	}
	path := providers.Unknown + "/app"
	disklab.CheckOps(t, d, "at planning", map[providers.Action][]string{
		providers.ActStart:       {"lvchange -a y " + path},
		providers.ActStop:        {"lvchange -a n " + path},
		providers.ActProvision:   {"lvcreate -n app -L 10m " + providers.Unknown},
		providers.ActUnprovision: {"lvremove -f " + path},
	})
	if got := d.Describe(); got != "lv (known after apply)/app" {
		t.Errorf("Describe = %q", got)
	}
}

// TestCommands walks a volume through its life against the fake LVM and
// checks the exact commands, idempotence and status at each step.
func TestCommands(t *testing.T) {
	ctx := context.Background()
	f := newFakeLVM(t, "vgsvc1")
	d := fakeDriver(t, f, lvResource("vgsvc1", "app", "100m"))

	if st := d.Status(ctx); st.State != providers.Down || !slices.Equal(st.Messages, []string{"lv vgsvc1/app not found"}) {
		t.Errorf("status of a missing lv = %+v", st)
	}
	if err := d.Start(ctx, disklab.Log(t)); err == nil || !strings.Contains(err.Error(), "provision creates it") {
		t.Errorf("Start of a missing lv = %v", err)
	}
	if v, want := d.Exposed(ctx)["exposed_devs"], cty.ListVal([]cty.Value{cty.StringVal("/dev/vgsvc1/app")}); !v.RawEquals(want) {
		t.Errorf("exposed_devs = %#v, want %#v", v, want)
	}

	// The plan lines are the same in every state: a plan made from a
	// snapshot elsewhere must read like the node's own.
	wantOps := map[providers.Action][]string{
		providers.ActStart:       {"lvchange -a y vgsvc1/app"},
		providers.ActStop:        {"lvchange -a n vgsvc1/app"},
		providers.ActProvision:   {"lvcreate -n app -L 100m vgsvc1"},
		providers.ActUnprovision: {"lvremove -f vgsvc1/app"},
	}
	steps := []struct {
		name  string
		do    func(context.Context, *providers.Log) error
		ran   []string
		say   string // the remark when nothing runs
		state providers.State
	}{
		{"provision", d.Provision, []string{"lvcreate -n app -L 100m vgsvc1"}, "", providers.Up},
		{"provision again", d.Provision, nil, "lv vgsvc1/app already exists, skip create", providers.Up},
		{"stop", d.Stop, []string{"lvchange -a n vgsvc1/app"}, "", providers.Down},
		{"stop again", d.Stop, nil, "lv vgsvc1/app is already down", providers.Down},
		{"start", d.Start, []string{"lvchange -a y vgsvc1/app"}, "", providers.Up},
		{"start again", d.Start, nil, "lv vgsvc1/app is already up", providers.Up},
		{"unprovision", d.Unprovision, []string{"lvchange -a n vgsvc1/app", "lvremove -f vgsvc1/app"}, "", providers.Down},
		{"unprovision again", d.Unprovision, nil, "lv vgsvc1/app is already removed", providers.Down},
	}
	for _, s := range steps {
		disklab.CheckOps(t, d, "before "+s.name, wantOps)
		log := disklab.Log(t)
		if err := s.do(ctx, log); err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		if ran := f.takeRan(); !slices.Equal(ran, s.ran) {
			t.Errorf("%s ran %q, want %q", s.name, ran, s.ran)
		}
		if s.say != "" && !slices.Equal(disklab.Ops(log), []string{s.say}) {
			t.Errorf("%s logged %q, want %q", s.name, disklab.Ops(log), s.say)
		}
		if st := d.Status(ctx); st.State != s.state {
			t.Errorf("after %s: status %v, want %v", s.name, st.State, s.state)
		}
	}
}

// TestOperationsArePure: operations never query LVM; a missing size is
// named in the command (CheckAttrs fails the plan).
func TestOperationsArePure(t *testing.T) {
	probe := func(ctx context.Context, argv ...string) (string, error) {
		t.Errorf("Operations probed %q", argv)
		return "", fmt.Errorf("no probe")
	}
	d, err := newDriver(lvResource("vgsvc1", "data", ""), newFakeLVM(t).run, probe)
	if err != nil {
		t.Fatal(err)
	}
	ops := disklab.OpsOf(d)
	if want := []string{"lvcreate -n data -L (size not set) vgsvc1"}; !slices.Equal(ops[providers.ActProvision], want) {
		t.Errorf("provision operations without size = %q, want %q", ops[providers.ActProvision], want)
	}
	if got := ops[providers.ActStart]; !slices.Equal(got, []string{"lvchange -a y vgsvc1/data"}) {
		t.Errorf("start operations = %q", got)
	}
}

// TestCheckAttrsSize: creating the volume without a size fails the plan,
// at size; a plan that does not create it needs none; a bad size is New's
// refusal, pointing at size.
func TestCheckAttrsSize(t *testing.T) {
	d, err := newDriver(lvResource("vgsvc1", "data", ""), newFakeLVM(t).run, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	errs := d.CheckAttrs(ctx, providers.Check{Actions: []providers.Action{providers.ActProvision}})
	if len(errs) != 1 || errs[0].Attr != "size" || !strings.Contains(errs[0].Msg, "size is required to create lv vgsvc1/data") {
		t.Errorf("CheckAttrs(provision) without size = %v", errs)
	}
	if errs := d.CheckAttrs(ctx, providers.Check{Actions: []providers.Action{providers.ActStart}}); errs != nil {
		t.Errorf("CheckAttrs(start) without size = %v, want none", errs)
	}
	errs = providers.CheckResource(ctx, lvResource("vgsvc1", "data", "-5g"), providers.Check{})
	if len(errs) != 1 || errs[0].Attr != "size" || !strings.Contains(errs[0].Msg, `invalid size "-5g"`) {
		t.Errorf("CheckResource with size -5g = %v, want the size error", errs)
	}
}

func TestProvisionShareUsesExtents(t *testing.T) {
	f := newFakeLVM(t, "vgsvc1")
	d := fakeDriver(t, f, lvResource("vgsvc1", "data", "50%FREE"))
	want := []string{"lvcreate -n data -l 50%FREE vgsvc1"}
	if ops := d.Operations(context.Background(), providers.ActProvision); !slices.Equal(ops, want) {
		t.Errorf("operations = %q, want %q", ops, want)
	}
}

func TestProvisionWithoutSizeFails(t *testing.T) {
	f := newFakeLVM(t, "vgsvc1")
	d := fakeDriver(t, f, lvResource("vgsvc1", "data", ""))
	if err := d.Provision(context.Background(), disklab.Log(t)); err == nil || !strings.Contains(err.Error(), "size is required") {
		t.Errorf("Provision = %v, want a size error", err)
	}
	if ran := f.takeRan(); ran != nil {
		t.Errorf("ran %q with no size", ran)
	}
}

// TestActivationFailureIsReported checks the error LVM gives without
// device-mapper reaches the caller whole.
func TestActivationFailureIsReported(t *testing.T) {
	f := newFakeLVM(t, "vgsvc1")
	f.attrs["vgsvc1/app"] = "-wi-------"
	f.fail["lvchange -a y vgsvc1/app"] = "striped: Required device-mapper target(s) not detected in your kernel."
	d := fakeDriver(t, f, lvResource("vgsvc1", "app", ""))
	err := d.Start(context.Background(), disklab.Log(t))
	if err == nil || !strings.Contains(err.Error(), "lvchange") || !strings.Contains(err.Error(), "device-mapper") {
		t.Errorf("Start = %v, want the lvchange error", err)
	}
	if st := d.Status(context.Background()); st.State != providers.Down {
		t.Errorf("status after a failed start = %v, want down", st.State)
	}
}

// TestRealLVMQueries runs the real tools on a loop VG: a missing LV reads
// as down with a clear message, and creating one fails with LVM's own
// reason when the kernel lacks device-mapper.
func TestRealLVMQueries(t *testing.T) {
	disklab.RequireRoot(t)
	disklab.RequireLVM(t)
	ctx := context.Background()
	vg, _ := disklab.LoopVG(t, "omtlvq")
	d, err := Spec.New(lvResource(vg, "app", "8m"))
	if err != nil {
		t.Fatal(err)
	}
	if st := d.Status(ctx); st.State != providers.Down || !slices.Equal(st.Messages, []string{"lv " + vg + "/app not found"}) {
		t.Errorf("status = %+v, want down, not found", st)
	}
	if ops := d.Operations(ctx, providers.ActProvision); !slices.Equal(ops, []string{"lvcreate -n app -L 8m " + vg}) {
		t.Errorf("provision operations = %q", ops)
	}
	if hasDeviceMapper() {
		return // TestRealActivation covers the success path
	}
	err = d.Provision(ctx, disklab.Log(t))
	if err == nil || !strings.Contains(err.Error(), "lvcreate") || !strings.Contains(err.Error(), "device-mapper") {
		t.Errorf("Provision without device-mapper = %v, want lvcreate's device-mapper error", err)
	}
}

// TestRealActivation needs a kernel with device-mapper.
func TestRealActivation(t *testing.T) {
	disklab.RequireRoot(t)
	disklab.RequireLVM(t)
	if !hasDeviceMapper() {
		t.Skip("no device-mapper linear target in this kernel (/dev/mapper/control, dmsetup targets): LVs cannot be activated")
	}
	ctx := context.Background()
	vg, _ := disklab.LoopVG(t, "omtlva")
	d, err := Spec.New(lvResource(vg, "app", "8m"))
	if err != nil {
		t.Fatal(err)
	}
	for _, step := range []struct {
		do   func(context.Context, *providers.Log) error
		want providers.State
	}{{d.Provision, providers.Up}, {d.Stop, providers.Down}, {d.Start, providers.Up}, {d.Start, providers.Up}, {d.Unprovision, providers.Down}} {
		if err := step.do(ctx, disklab.Log(t)); err != nil {
			t.Fatal(err)
		}
		if st := d.Status(ctx); st.State != step.want {
			t.Fatalf("status %+v, want %v", st, step.want)
		}
	}
}

func hasDeviceMapper() bool {
	if _, err := os.Stat("/dev/mapper/control"); err != nil {
		return false
	}
	out, err := exec.Command("dmsetup", "targets").Output()
	return err == nil && strings.Contains(string(out), "linear")
}

// TestNilContext: a planner passing a nil context gets operations, not a
// panic.
func TestNilContext(t *testing.T) {
	d, err := Spec.New(lvResource("omtnilctx", "app", "8m"))
	if err != nil {
		t.Fatal(err)
	}
	_ = d.Operations(nil, providers.ActProvision) //nolint:staticcheck
	_ = d.Status(nil)                             //nolint:staticcheck
}
