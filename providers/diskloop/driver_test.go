package diskloop_test

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/omhcl/omhcl/providers"
	_ "github.com/omhcl/omhcl/providers/diskloop"
	"github.com/omhcl/omhcl/testfixtures/disklab"
	"github.com/zclconf/go-cty/cty"
)

func newDriver(t *testing.T, attrs map[string]cty.Value) providers.Driver {
	t.Helper()
	spec, ok := providers.Lookup("disk", "loop")
	if !ok {
		t.Fatal("disk.loop is not registered")
	}
	r := &providers.Resource{Service: "svc1", Node: "n1", Kind: "disk", Type: "loop", Name: "0", Attrs: attrs}
	d, err := spec.New(r)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return d
}

func loopAttrs(file, size string) map[string]cty.Value {
	return map[string]cty.Value{"file": cty.StringVal(file), "size": cty.StringVal(size)}
}

// exposedDevs returns exposed_devs, or nil when unknown.
func exposedDevs(t *testing.T, d providers.Driver) []string {
	t.Helper()
	v, ok := d.Exposed(context.Background())["exposed_devs"]
	if !ok {
		t.Fatal("exposed_devs missing from Exposed")
	}
	if !v.IsKnown() {
		return nil
	}
	var out []string
	for _, e := range v.AsValueSlice() {
		out = append(out, e.AsString())
	}
	return out
}

func TestNewRejectsBadAttrs(t *testing.T) {
	spec, _ := providers.Lookup("disk", "loop")
	for name, attrs := range map[string]map[string]cty.Value{
		"relative file": loopAttrs("disk.img", "10m"),
		"empty file":    loopAttrs("", "10m"),
		"bad size":      loopAttrs("/srv/disk.img", "ten megs"),
	} {
		r := &providers.Resource{Kind: "disk", Type: "loop", Name: "0", Attrs: attrs}
		if _, err := spec.New(r); err == nil || !strings.Contains(err.Error(), "disk#0") {
			t.Errorf("%s: New error = %v, want an error naming disk#0", name, err)
		}
	}
}

func TestUnknownFileAtPlanning(t *testing.T) {
	ctx := context.Background()
	d := newDriver(t, map[string]cty.Value{"file": cty.UnknownVal(cty.String), "size": cty.StringVal("10m")})
	if st := d.Status(ctx); st.State != providers.Down {
		t.Errorf("status = %v, want down", st)
	}
	if devs := exposedDevs(t, d); devs != nil {
		t.Errorf("exposed_devs = %v, want unknown", devs)
	}
	disklab.CheckOps(t, d, "at planning", map[providers.Action][]string{
		providers.ActStart:       {"losetup -f --show (known after apply)"},
		providers.ActStop:        {"losetup -d (known after apply)"},
		providers.ActProvision:   {"mkdir -p (known after apply)", "truncate -s 10M (known after apply) (skipped when the file exists)"},
		providers.ActUnprovision: {"rm -f (known after apply)"},
	})
	if got := d.Describe(); got != "loop (known after apply)" {
		t.Errorf("Describe = %q", got)
	}
}

func TestProvisionWithoutSizeFails(t *testing.T) {
	disklab.RequireRoot(t)
	file := filepath.Join(t.TempDir(), "disk.img")
	d := newDriver(t, map[string]cty.Value{"file": cty.StringVal(file)})
	err := d.Provision(context.Background(), disklab.Log(t))
	if err == nil || !strings.Contains(err.Error(), "size is required") {
		t.Fatalf("Provision without size: %v, want a size error", err)
	}
	want := []string{"mkdir -p " + filepath.Dir(file), "truncate -s (size not set) " + file + " (skipped when " + file + " exists)"}
	if ops := d.Operations(context.Background(), providers.ActProvision); !slices.Equal(ops, want) {
		t.Errorf("provision operations = %q, want %q", ops, want)
	}
	provision := providers.Check{Actions: []providers.Action{providers.ActProvision}}
	if errs := d.(providers.AttrChecker).CheckAttrs(context.Background(), provision); len(errs) != 1 || errs[0].Attr != "size" || !strings.Contains(errs[0].Msg, "size is required") {
		t.Errorf("CheckAttrs(provision) = %v, want the size error", errs)
	}
}

// TestExists: a backing file already there is what Provision keeps.
func TestExists(t *testing.T) {
	file := filepath.Join(t.TempDir(), "disk.img")
	d := newDriver(t, map[string]cty.Value{"file": cty.StringVal(file)}).(providers.ExistChecker)
	if d.Exists(context.Background()) {
		t.Error("Exists before the file is made = true")
	}
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if !d.Exists(context.Background()) {
		t.Error("Exists with the file = false")
	}
}

func TestStartWithoutFileFails(t *testing.T) {
	disklab.RequireRoot(t)
	file := filepath.Join(t.TempDir(), "missing.img")
	d := newDriver(t, loopAttrs(file, "8m"))
	st := d.Status(context.Background())
	if st.State != providers.Down || len(st.Messages) == 0 || !strings.Contains(st.Messages[0], "does not exist") {
		t.Errorf("status = %+v, want down with a missing-file message", st)
	}
	err := d.Start(context.Background(), disklab.Log(t))
	if err == nil || !strings.Contains(err.Error(), "does not exist") {
		t.Fatalf("Start = %v, want a missing file error", err)
	}
}

// TestLifecycle provisions a backing file in a missing directory, attaches
// it, checks idempotence and exposed devices, then tears it all down.
func TestLifecycle(t *testing.T) {
	disklab.RequireRoot(t)
	ctx := context.Background()
	file := filepath.Join(t.TempDir(), "sub", disklab.Unique("disk")+".img")
	disklab.DetachAtCleanup(t, file)
	d := newDriver(t, loopAttrs(file, "8m"))

	wantProv := []string{"mkdir -p " + filepath.Dir(file), "truncate -s 8M " + file}
	// The plan lines are the same whatever the state: a plan made from a
	// snapshot elsewhere must read like the node's own.
	wantOps := map[providers.Action][]string{
		providers.ActStart:       {"losetup -f --show " + file},
		providers.ActStop:        {"losetup -d (the loop device of " + file + ")"},
		providers.ActProvision:   {wantProv[0], wantProv[1] + " (skipped when " + file + " exists)"},
		providers.ActUnprovision: {"rm -f " + file},
	}
	disklab.CheckOps(t, d, "before provision", wantOps)
	log := disklab.Log(t)
	if err := d.Provision(ctx, log); err != nil {
		t.Fatal(err)
	}
	if got := disklab.Ops(log); !slices.Equal(got, wantProv) {
		t.Errorf("provision ran %q, want %q", got, wantProv)
	}
	if st, err := os.Stat(file); err != nil || st.Size() != 8<<20 {
		t.Fatalf("backing file after provision: %v, %v", st, err)
	}
	log = disklab.Log(t)
	if err := d.Provision(ctx, log); err != nil || !slices.Equal(disklab.Ops(log), []string{file + " already exists, skip create"}) {
		t.Errorf("second provision: %v, log %q", err, log.Lines())
	}

	if st := d.Status(ctx); st.State != providers.Down {
		t.Errorf("status before start = %v, want down", st.State)
	}
	if devs := exposedDevs(t, d); devs != nil {
		t.Errorf("exposed_devs before start = %v, want unknown", devs)
	}
	disklab.CheckOps(t, d, "while down", wantOps)

	log = disklab.Log(t)
	if err := d.Start(ctx, log); err != nil {
		t.Fatal(err)
	}
	devs := exposedDevs(t, d)
	if len(devs) != 1 || !regexp.MustCompile(`^/dev/loop[0-9]+$`).MatchString(devs[0]) {
		t.Fatalf("exposed_devs after start = %v, want one /dev/loopN", devs)
	}
	dev := devs[0]
	if out := disklab.Run(t, "losetup", "-j", file); !strings.HasPrefix(out, dev+":") {
		t.Errorf("losetup -j %s says %q, driver exposes %s", file, out, dev)
	}
	if got := log.Lines(); len(got) < 2 || got[0] != "  losetup -f --show "+file || got[1] != "  | "+dev {
		t.Errorf("start log = %q", got)
	}
	if st := d.Status(ctx); st.State != providers.Up {
		t.Errorf("status after start = %+v, want up", st)
	}
	if got, want := d.Describe(), "loop "+file+" "+dev; got != want {
		t.Errorf("Describe = %q, want %q", got, want)
	}
	disklab.CheckOps(t, d, "while up", wantOps)

	log = disklab.Log(t)
	if err := d.Start(ctx, log); err != nil || !slices.Equal(disklab.Ops(log), []string{"loop " + file + " " + dev + " is already up"}) {
		t.Errorf("second start: %v, log %q", err, log.Lines())
	}

	log = disklab.Log(t)
	if err := d.Stop(ctx, log); err != nil {
		t.Fatal(err)
	}
	if got := disklab.Ops(log); !slices.Equal(got, []string{"losetup -d " + dev}) {
		t.Errorf("stop ran %q", got)
	}
	if st := d.Status(ctx); st.State != providers.Down {
		t.Errorf("status after stop = %v, want down", st.State)
	}
	log = disklab.Log(t)
	if err := d.Stop(ctx, log); err != nil || !slices.Equal(disklab.Ops(log), []string{"loop " + file + " is already down"}) {
		t.Errorf("second stop: %v, log %q", err, log.Lines())
	}

	log = disklab.Log(t)
	if err := d.Unprovision(ctx, log); err != nil {
		t.Fatal(err)
	}
	if got, want := disklab.Ops(log), []string{"loop " + file + " is already down", "rm -f " + file}; !slices.Equal(got, want) {
		t.Errorf("unprovision ran %q, want %q", got, want)
	}
	if _, err := os.Stat(file); !os.IsNotExist(err) {
		t.Errorf("backing file still there after unprovision: %v", err)
	}
	disklab.CheckOps(t, d, "after unprovision", wantOps)
}

// TestUnprovisionDetaches checks unprovision of an attached file detaches
// it before removing the file.
func TestUnprovisionDetaches(t *testing.T) {
	disklab.RequireRoot(t)
	ctx := context.Background()
	file := disklab.LoopFile(t, "4m")
	d := newDriver(t, loopAttrs(file, "4m"))
	if err := d.Start(ctx, disklab.Log(t)); err != nil {
		t.Fatal(err)
	}
	dev := exposedDevs(t, d)[0]
	log := disklab.Log(t)
	if err := d.Unprovision(ctx, log); err != nil {
		t.Fatal(err)
	}
	if got, want := disklab.Ops(log), []string{"losetup -d " + dev, "rm -f " + file}; !slices.Equal(got, want) {
		t.Errorf("unprovision ran %q, want %q", got, want)
	}
	if _, err := os.Stat(file); !os.IsNotExist(err) {
		t.Errorf("backing file still there: %v", err)
	}
}

// TestStopBusyDeviceFails checks a loop device held by a mount is reported,
// not silently left attached.
func TestStopBusyDeviceFails(t *testing.T) {
	disklab.RequireRoot(t)
	ctx := context.Background()
	file := disklab.LoopFile(t, "16m")
	d := newDriver(t, loopAttrs(file, "16m"))
	if err := d.Start(ctx, disklab.Log(t)); err != nil {
		t.Fatal(err)
	}
	dev := exposedDevs(t, d)[0]
	disklab.Run(t, "mkfs.ext4", "-F", "-q", dev)
	mnt := disklab.MountDir(t)
	if err := os.Mkdir(mnt, 0o755); err != nil {
		t.Fatal(err)
	}
	disklab.Run(t, "mount", dev, mnt)
	err := d.Stop(ctx, disklab.Log(t))
	if err == nil || !strings.Contains(err.Error(), "still attached") || !strings.Contains(err.Error(), dev) {
		t.Fatalf("Stop of a mounted loop = %v, want a still-attached error naming %s", err, dev)
	}
	disklab.Run(t, "umount", mnt)
	// The kernel clears an autoclear loop at its last close, and that need
	// not be umount's: any scan of the block devices (LVM commands of tests
	// running beside this one, blkid) may hold it open a moment longer.
	var st providers.Status
	for end := time.Now().Add(5 * time.Second); time.Now().Before(end); time.Sleep(20 * time.Millisecond) {
		if st = d.Status(ctx); st.State == providers.Down {
			return
		}
	}
	t.Errorf("5 s after umount the device should be released: status %v", st.State)
}
