package disklab

import (
	"os/exec"
	"testing"
)

// RequireLVM skips t unless the LVM tools are installed.
func RequireLVM(t testing.TB) {
	t.Helper()
	for _, tool := range []string{"pvcreate", "vgcreate", "vgchange", "vgs", "lvs"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("lvm2 is not installed (%s not found)", tool)
		}
	}
}

// LoopPV returns a blank 64 MiB loop device for a test to make a PV of.
func LoopPV(t testing.TB) string {
	t.Helper()
	RequireLVM(t)
	return Loop(t, "64m")
}

// LoopVG creates a volume group named after prefix (made unique) on a
// loop PV, and returns the VG name and the PV. At cleanup the VG and the PV
// label are removed if the test left them.
func LoopVG(t testing.TB, prefix string) (vg, pv string) {
	t.Helper()
	pv = LoopPV(t)
	vg = Unique(prefix)
	RemoveVGAtCleanup(t, vg, pv)
	Run(t, "vgcreate", vg, pv)
	return vg, pv
}

// RemoveVGAtCleanup registers the removal of vg and of the PV label on pv,
// for tests whose driver creates them.
func RemoveVGAtCleanup(t testing.TB, vg, pv string) {
	t.Cleanup(func() {
		if _, err := output("vgs", vg); err == nil {
			if out, err := output("vgremove", "-f", vg); err != nil {
				t.Errorf("disklab cleanup: vgremove -f %s: %v\n%s", vg, err, out)
			}
		}
		if _, err := output("pvs", pv); err == nil {
			if out, err := output("pvremove", "-f", pv); err != nil {
				t.Errorf("disklab cleanup: pvremove -f %s: %v\n%s", pv, err, out)
			}
		}
	})
}
