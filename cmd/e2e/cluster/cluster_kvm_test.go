package cluster

import (
	"slices"
	"strings"
	"testing"

	"github.com/omhcl/omhcl/testfixtures/clusterlab"
)

// The HA service in a virtual machine (examples/lab-kvm), each node
// running a libvirtd of its own in its namespace, the guest's card on the
// node's bridge on the lab's switch. The guest holds the service address
// inside it; the lab's watcher counts a node as holding the address while
// its libvirtd runs the guest's qemu, so the test fails if the guest ever
// runs on two nodes at once.
func newKVMHALab(t *testing.T) *haLab {
	lab := clusterlab.New(t, 3, clusterlab.Options{BinDir: binDir, Profile: "fast", VMs: true})
	lab.WaitDaemons()
	lab.Join()
	return deployService(t, lab, "examples/lab-kvm/service.hcl")
}

// 14. The node running the service's virtual machine dies (kill -9: its
// libvirtd and the guest's qemu die with it): the guest starts on a
// survivor and its address answers there, from the survivor's own
// namespace too; the node comes back and starts no second copy (its
// libvirtd has the domain defined, shut off).
func TestClusterKVMNodeDeathFailsOver(t *testing.T) {
	h := newKVMHALab(t)
	dead := h.holder
	h.Kill(dead)
	if on := h.GuestNodes(); slices.Contains(on, dead) {
		t.Fatalf("the guest's qemu still runs on %s after its death (guest on %v)", dead, on)
	}
	to := h.waitServed("after "+dead+" died", dead)
	if body := h.Must(to, "demoweb", "get", clusterlab.ServiceURL); !strings.Contains(body, clusterlab.GuestGreeting) {
		t.Fatalf("from %s's namespace, %s answers %q, not the guest's page", to, clusterlab.ServiceURL, body)
	}
	h.settle("after "+dead+" died", to)
	h.Check(h.Revive(dead, settleWithin))
	h.waitRunningOn(dead, to)
	if out := h.Must(dead, "virsh", "list", "--all"); !strings.Contains(out, clusterlab.GuestDomain) || !strings.Contains(out, "shut off") {
		t.Fatalf("%s's libvirtd, after the node's reboot, should hold %s shut off:\n%s", dead, clusterlab.GuestDomain, out)
	}
	if on := h.GuestNodes(); !slices.Equal(on, []string{to}) {
		t.Fatalf("after %s came back, the guest runs on %v, want %s alone\n%s", dead, on, to, h.w.Report())
	}
}
