package clusterlab

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/omhcl/omhcl/testfixtures/vmlab"
)

// Each node of a lab with VMs runs its own libvirtd, in its network
// namespace, found through LIBVIRT_DEFAULT_URI, and has a bridge for its
// guests on the lab's switch; a node's death kills its libvirtd, a cut
// cuts the guests' uplink too, and the lab goes down without leftovers.
// (cmd/e2e/cluster's TestClusterKVMNodeDeathSwitchAndCut boots the guest.)
func TestLibvirtdPerNode(t *testing.T) {
	l := New(t, 2, Options{DaemonArgv: fakeDaemon, BinDir: t.TempDir(), VMs: true})
	for _, n := range l.Nodes {
		if err := vmlab.Ping(n.LibvirtSocket()); err != nil {
			t.Fatalf("%s: %v", n.Name, err)
		}
		if env := nodeEnv(n); env[len(env)-1] != "LIBVIRT_DEFAULT_URI="+n.LibvirtURI() {
			t.Fatalf("%s: the node's commands do not find its libvirtd: %v", n.Name, env[len(env)-1])
		}
		out, err := runCmd("ip", "-n", n.NS, "-o", "link", "show", "master", VMBridge)
		if err != nil || !strings.Contains(out, vmUplink+"@") {
			t.Fatalf("%s: %s has no uplink: %v %q", n.Name, VMBridge, err, out)
		}
	}
	if l.Nodes[0].LibvirtSocket() == l.Nodes[1].LibvirtSocket() {
		t.Fatal("two nodes share a libvirtd")
	}
	l.Cut("node1")
	if out, _ := runCmd("ip", "-n", l.Switch, "-o", "link", "show", l.Nodes[0].VMPort); !strings.Contains(out, "state DOWN") {
		t.Fatalf("node1 is cut, its guests' uplink is not: %q", out)
	}
	l.Kill("node1")
	if err := vmlab.Ping(l.Nodes[0].LibvirtSocket()); err == nil {
		t.Fatal("node1's libvirtd answers after node1's death")
	}
	if err := vmlab.Ping(l.Nodes[1].LibvirtSocket()); err != nil {
		t.Fatalf("node2's libvirtd died with node1: %v", err)
	}
	l.Heal("node1")
	l.Check(l.startNode("node1"))
	if err := vmlab.Ping(l.Nodes[0].LibvirtSocket()); err != nil {
		t.Fatalf("node1's libvirtd after its reboot: %v", err)
	}
	root := l.Root
	l.Check(l.Down())
	if _, err := os.Stat(root); !os.IsNotExist(err) {
		t.Fatalf("the lab root %s is left after Down: %v", root, err)
	}
	time.Sleep(100 * time.Millisecond)
	if out, _ := runCmd("pgrep", "-f", "libvirtd -f "+root); strings.TrimSpace(out) != "" {
		t.Fatalf("libvirtd of the lab left running: %s", out)
	}
}
