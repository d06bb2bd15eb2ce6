package disklab

import (
	"os"
	"strings"
	"testing"
)

// TestHelpersCleanUp runs the helpers in a subtest and checks that what
// they made is gone once it ends.
func TestHelpersCleanUp(t *testing.T) {
	RequireRoot(t)
	var file, dev, mnt, vg, pv string
	t.Run("make", func(t *testing.T) {
		file = LoopFile(t, "4m")
		if st, err := os.Stat(file); err != nil || st.Size() != 4<<20 {
			t.Fatalf("LoopFile: %v, %v", st, err)
		}
		dev = Ext4(t, "16m")
		if typ := strings.TrimSpace(Run(t, "blkid", "-p", "-o", "value", "-s", "TYPE", dev)); typ != "ext4" {
			t.Fatalf("Ext4 device holds %q", typ)
		}
		mnt = MountDir(t)
		if err := os.Mkdir(mnt, 0o755); err != nil {
			t.Fatal(err)
		}
		Run(t, "mount", dev, mnt)
		if !IsMounted(mnt) {
			t.Fatalf("%s not seen as mounted", mnt)
		}
		if _, err := output("vgs", "--version"); err == nil {
			vg, pv = LoopVG(t, "omtlab")
			Run(t, "vgs", vg)
		}
	})
	if _, err := os.Stat(file); !os.IsNotExist(err) {
		t.Errorf("%s left behind", file)
	}
	if IsMounted(mnt) {
		t.Errorf("%s still mounted", mnt)
	}
	// The device number may already serve another test: look for our
	// backing files instead, which live in this test's temporary dirs.
	if out, _ := output("losetup", "-a"); strings.Contains(out, "/"+t.Name()) {
		t.Errorf("loop devices still attached to this test's files: %s", out)
	}
	if vg != "" {
		if _, err := output("vgs", vg); err == nil {
			t.Errorf("vg %s left behind", vg)
		}
		if _, err := output("pvs", pv); err == nil {
			t.Errorf("pv %s left behind", pv)
		}
	}
}

func TestUnique(t *testing.T) {
	seen := map[string]bool{}
	for range 100 {
		n := Unique("x")
		if !strings.HasPrefix(n, "x") {
			t.Fatalf("Unique(x) = %q", n)
		}
		seen[n] = true
	}
	if len(seen) < 90 {
		t.Errorf("Unique gave only %d distinct names in 100 calls", len(seen))
	}
}
