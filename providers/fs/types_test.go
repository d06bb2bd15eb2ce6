package fs

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/omhcl/omhcl/providers"
	"github.com/omhcl/omhcl/testfixtures/disklab"
)

func TestTmpfs(t *testing.T) {
	disklab.RequireRoot(t)
	mnt := disklab.MountDir(t)
	d := newFS(t, "tmpfs", strs("mnt", mnt, "mnt_opt", "size=1m", "user", "root", "group", "root", "perm", "1777"))
	if got := d.Describe(); got != "tmpfs tmpfs@"+mnt {
		t.Errorf("Describe = %q", got)
	}
	start := []string{"mkdir -p " + mnt, "mount -t tmpfs -o size=1m tmpfs " + mnt, "chown root:root " + mnt, "chmod 1777 " + mnt}
	wantOps := map[providers.Action][]string{
		providers.ActStart: start,
		providers.ActStop:  {"umount " + mnt + " (retried while busy)"},
	}
	disklab.CheckOps(t, d, "while down", wantOps)
	act(t, d, providers.ActProvision, "tmpfs tmpfs@"+mnt+" has nothing to provision")
	act(t, d, providers.ActStart, start...)
	wantState(t, d, providers.Up)
	disklab.CheckOps(t, d, "while up", wantOps)
	if st, err := os.Stat(mnt); err != nil || st.Mode()&os.ModeSticky == 0 || st.Mode().Perm() != 0o777 {
		t.Errorf("mount point mode = %v, %v; want 1777", st.Mode(), err)
	}
	act(t, d, providers.ActStart, "tmpfs tmpfs@"+mnt+" is already up")
	act(t, d, providers.ActStop, "umount "+mnt)
	wantState(t, d, providers.Down)
}

// TestBindMount checks a bind mount is recognised by the identity of the
// bound directory, not by a device.
func TestBindMount(t *testing.T) {
	disklab.RequireRoot(t)
	src, other := t.TempDir(), t.TempDir()
	if err := os.WriteFile(filepath.Join(src, "marker"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	mnt := disklab.MountDir(t)
	d := newFS(t, "none", strs("dev", src, "mnt", mnt, "mnt_opt", "ro"))
	act(t, d, providers.ActStart, "mkdir -p "+mnt, "mount -t none -o bind,ro "+src+" "+mnt)
	wantState(t, d, providers.Up)
	if _, err := os.Stat(filepath.Join(mnt, "marker")); err != nil {
		t.Errorf("bound directory not visible: %v", err)
	}
	wantState(t, newFS(t, "none", strs("dev", other, "mnt", mnt)), providers.Warn)
	disklab.CheckOps(t, d, "while up", map[providers.Action][]string{
		providers.ActStart: {"mkdir -p " + mnt, "mount -t none -o bind,ro " + src + " " + mnt},
		providers.ActStop:  {"umount " + mnt + " (retried while busy)"},
	})
	act(t, d, providers.ActUnprovision, "umount "+mnt)
	wantState(t, d, providers.Down)
	if readFile(t, filepath.Join(src, "marker")) != "x" {
		t.Error("unprovision of a bind mount touched the source")
	}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
