package fs

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/omhcl/omhcl/providers"
	"github.com/omhcl/omhcl/testfixtures/disklab"
	"github.com/zclconf/go-cty/cty"
)

func blkidValue(t *testing.T, dev, tag string) string {
	t.Helper()
	out, _ := providers.Output(context.Background(), "blkid", "-p", "-o", "value", "-s", tag, dev)
	return strings.TrimSpace(out)
}

// TestProvision formats a blank device once, then leaves it alone, even
// for a driver wanting another type.
func TestProvision(t *testing.T) {
	disklab.RequireRoot(t)
	dev := disklab.Loop(t, "32m")
	attrs := strs("dev", dev, "mnt", disklab.MountDir(t))
	attrs["mkfs_opt"] = cty.ListVal([]cty.Value{cty.StringVal("-L"), cty.StringVal("omtdata")})
	d := newFS(t, "ext4", attrs)
	wantProv := []string{"mkfs.ext4 -F -q -L omtdata " + dev + " (skipped when " + dev + " already holds a filesystem)"}

	if ops := d.Operations(context.Background(), providers.ActProvision); !slices.Equal(ops, wantProv) {
		t.Errorf("provision operations on a blank device = %q, want %q", ops, wantProv)
	}
	act(t, d, providers.ActProvision, "mkfs.ext4 -F -q -L omtdata "+dev)
	if ops := d.Operations(context.Background(), providers.ActProvision); !slices.Equal(ops, wantProv) {
		t.Errorf("provision operations on a formatted device = %q, want %q", ops, wantProv)
	}
	if typ, label := blkidValue(t, dev, "TYPE"), blkidValue(t, dev, "LABEL"); typ != "ext4" || label != "omtdata" {
		t.Fatalf("after provision blkid says TYPE=%q LABEL=%q", typ, label)
	}
	uuid := blkidValue(t, dev, "UUID")

	act(t, d, providers.ActProvision, dev+" already has a ext4 filesystem, skip mkfs")
	xfs := newFS(t, "xfs", strs("dev", dev, "mnt", "/srv/unused"))
	act(t, xfs, providers.ActProvision, dev+" already has a ext4 filesystem (not xfs), skip mkfs")
	if got := blkidValue(t, dev, "UUID"); got != uuid {
		t.Errorf("filesystem remade: UUID %s became %s", uuid, got)
	}
}

func TestProvisionMissingDevFails(t *testing.T) {
	disklab.RequireRoot(t)
	dev := filepath.Join(t.TempDir(), "nodev")
	d := newFS(t, "ext4", strs("dev", dev, "mnt", "/srv/unused"))
	err := d.Provision(context.Background(), disklab.Log(t))
	if err == nil || !strings.Contains(err.Error(), dev+" does not exist") {
		t.Fatalf("Provision = %v, want a missing dev error", err)
	}
	if st := wantState(t, d, providers.Down); !slices.Equal(st.Messages, []string{"dev " + dev + " does not exist"}) {
		t.Errorf("status messages = %q", st.Messages)
	}
}

// TestLifecycle mounts a real ext4 filesystem, checks status from the
// mount table (also through a symlinked dev), idempotence, and unprovision.
func TestLifecycle(t *testing.T) {
	disklab.RequireRoot(t)
	dev := disklab.Ext4(t, "32m")
	mnt := disklab.MountDir(t)
	d := newFS(t, "ext4", strs("dev", dev, "mnt", mnt, "mnt_opt", "noatime", "perm", "0750"))
	start := []string{"mkdir -p " + mnt, "e2fsck -p " + dev, "mount -t ext4 -o noatime " + dev + " " + mnt, "chmod 0750 " + mnt}
	wantOps := map[providers.Action][]string{
		providers.ActStart:       start,
		providers.ActStop:        {"umount " + mnt + " (retried while busy)"},
		providers.ActProvision:   {"mkfs.ext4 -F -q " + dev + " (skipped when " + dev + " already holds a filesystem)"},
		providers.ActUnprovision: {"wipefs -a " + dev},
	}

	wantState(t, d, providers.Down)
	disklab.CheckOps(t, d, "while down", wantOps)
	act(t, d, providers.ActStart, start...)
	if !disklab.IsMounted(mnt) {
		t.Fatalf("%s is not mounted after start", mnt)
	}
	if st, err := os.Stat(mnt); err != nil || st.Mode().Perm() != 0o750 {
		t.Errorf("mount point mode = %v, %v; want 0750", st.Mode(), err)
	}
	wantState(t, d, providers.Up)
	disklab.CheckOps(t, d, "while up", wantOps)
	if got := d.Describe(); got != "ext4 "+dev+"@"+mnt {
		t.Errorf("Describe = %q", got)
	}
	act(t, d, providers.ActStart, "ext4 "+dev+"@"+mnt+" is already up")

	// /dev/vg/lv style: dev is a symlink to the device node.
	link := filepath.Join(t.TempDir(), "app")
	if err := os.Symlink(dev, link); err != nil {
		t.Fatal(err)
	}
	wantState(t, newFS(t, "ext4", strs("dev", link, "mnt", mnt)), providers.Up)

	act(t, d, providers.ActStop, "umount "+mnt)
	if disklab.IsMounted(mnt) {
		t.Fatalf("%s still mounted after stop", mnt)
	}
	wantState(t, d, providers.Down)
	act(t, d, providers.ActStop, "ext4 "+dev+"@"+mnt+" is already down")

	// Restart, then unprovision destroys it all.
	act(t, d, providers.ActStart, start...)
	act(t, d, providers.ActUnprovision, "umount "+mnt, "wipefs -a "+dev)
	disklab.CheckOps(t, d, "after unprovision", wantOps)
	if typ := blkidValue(t, dev, "TYPE"); typ != "" {
		t.Errorf("after unprovision blkid still finds %q", typ)
	}
	act(t, d, providers.ActUnprovision, "ext4 "+dev+"@"+mnt+" is already down", dev+" holds no filesystem, nothing to wipe")
}

// TestForeignMount: another device mounted on our mount point is a warning,
// blocks start, and stop leaves it alone.
func TestForeignMount(t *testing.T) {
	disklab.RequireRoot(t)
	ours, theirs := disklab.Ext4(t, "16m"), disklab.Ext4(t, "16m")
	mnt := disklab.MountDir(t)
	if err := os.Mkdir(mnt, 0o755); err != nil {
		t.Fatal(err)
	}
	disklab.Run(t, "mount", theirs, mnt)
	d := newFS(t, "ext4", strs("dev", ours, "mnt", mnt))

	st := wantState(t, d, providers.Warn)
	if !slices.Equal(st.Messages, []string{mnt + " is mounted from " + theirs}) {
		t.Errorf("status messages = %q", st.Messages)
	}
	err := d.Start(context.Background(), disklab.Log(t))
	if err == nil || !strings.Contains(err.Error(), "already mounted from "+theirs) {
		t.Errorf("Start = %v, want an already mounted error", err)
	}
	// The plan lines ignore what is mounted: stop still reads as our umount.
	if ops, want := d.Operations(context.Background(), providers.ActStop), []string{"umount " + mnt + " (retried while busy)"}; !slices.Equal(ops, want) {
		t.Errorf("stop operations = %q, want %q", ops, want)
	}
	act(t, d, providers.ActStop, mnt+" is mounted from "+theirs+", not "+ours+": left alone")
	if !disklab.IsMounted(mnt) {
		t.Error("stop unmounted a filesystem that is not ours")
	}
}

// TestFsckFailureStopsStart corrupts the root inode: e2fsck -p gives up
// (exit 4) and nothing is mounted.
func TestFsckFailureStopsStart(t *testing.T) {
	disklab.RequireRoot(t)
	dev := disklab.Ext4(t, "16m")
	disklab.Run(t, "debugfs", "-w", "-R", "clri <2>", dev)
	disklab.Run(t, "debugfs", "-w", "-R", "ssv state 0", dev) // not clean: forces the check
	mnt := disklab.MountDir(t)
	d := newFS(t, "ext4", strs("dev", dev, "mnt", mnt))
	err := d.Start(context.Background(), disklab.Log(t))
	if err == nil || !strings.Contains(err.Error(), "manual repair") || !strings.Contains(err.Error(), "exited 4") {
		t.Fatalf("Start = %v, want an e2fsck failure", err)
	}
	if disklab.IsMounted(mnt) {
		t.Error("mounted despite the failed check")
	}
}

// TestFsckCorrectedErrorsMount: a filesystem left unclean is checked
// (exit 1) and mounted.
func TestFsckCorrectedErrorsMount(t *testing.T) {
	disklab.RequireRoot(t)
	dev := disklab.Ext4(t, "16m")
	disklab.Run(t, "debugfs", "-w", "-R", "ssv state 0", dev)
	mnt := disklab.MountDir(t)
	d := newFS(t, "ext4", strs("dev", dev, "mnt", mnt))
	act(t, d, providers.ActStart, "mkdir -p "+mnt, "e2fsck -p "+dev, "mount -t ext4 "+dev+" "+mnt)
	wantState(t, d, providers.Up)
}

// TestFsckWaitsForADeviceHeldOpen: a process holding the device open
// exclusively for a moment (as blkid or lvm scans do) delays the start;
// one holding it for good fails it, named as such, and nothing is mounted.
func TestFsckWaitsForADeviceHeldOpen(t *testing.T) {
	disklab.RequireRoot(t)
	dev := disklab.Ext4(t, "16m")
	mnt := disklab.MountDir(t)
	d := newFS(t, "ext4", strs("dev", dev, "mnt", mnt))
	hold := func() *os.File {
		f, err := os.OpenFile(dev, os.O_RDONLY|syscall.O_EXCL, 0)
		if err != nil {
			t.Fatalf("open %s exclusively: %v", dev, err)
		}
		return f
	}

	f := hold()
	time.AfterFunc(500*time.Millisecond, func() { f.Close() })
	log := disklab.Log(t)
	if err := d.Start(context.Background(), log); err != nil {
		t.Fatalf("Start with the device held open for 500ms: %v", err)
	}
	if !slices.Contains(disklab.Ops(log), dev+" is held open by another process: e2fsck again in 200ms") {
		t.Errorf("no retry logged: %q", disklab.Ops(log))
	}
	act(t, d, providers.ActStop, "umount "+mnt)

	f = hold()
	defer f.Close()
	err := d.Start(context.Background(), disklab.Log(t))
	if err == nil || !strings.Contains(err.Error(), "is in use by another process") {
		t.Fatalf("Start with the device held open = %v, want an in-use error", err)
	}
	if disklab.IsMounted(mnt) {
		t.Error("mounted a device another process holds")
	}
}
