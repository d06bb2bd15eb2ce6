package netlab

import (
	"net"
	"os"
	"strings"
	"testing"

	"github.com/vishvananda/netlink"
)

func TestUniqueNameFitsAndDiffers(t *testing.T) {
	a, b := UniqueName("averyveryverylongprefix", 15), UniqueName("averyveryverylongprefix", 15)
	if a == b {
		t.Fatalf("two calls gave the same name %q", a)
	}
	for _, n := range []string{a, b} {
		if len(n) > 15 {
			t.Errorf("%q is longer than 15 characters", n)
		}
	}
}

func TestVethBridgeAddr(t *testing.T) {
	RequireRoot(t)
	a, b := NewNS(t, "nlab-a"), NewNS(t, "nlab-b")
	if _, err := os.Stat(a.Path); err != nil {
		t.Fatalf("namespace path: %v", err)
	}
	Veth(t, a, "va", b, "vb")
	Bridge(t, b, "br0", "vb")
	AddAddr(t, a, "va", "198.18.3.1/24")
	AddAddr(t, b, "br0", "198.18.3.2/24")

	if got := b.Link(t, "vb").Attrs().MasterIndex; got != b.Link(t, "br0").Attrs().Index {
		t.Errorf("vb master index %d, want br0", got)
	}
	addrs, err := a.Handle().AddrList(a.Link(t, "va"), netlink.FAMILY_V4)
	if err != nil || len(addrs) != 1 || addrs[0].IPNet.String() != "198.18.3.1/24" {
		t.Fatalf("addresses on va: %v (err %v)", addrs, err)
	}
	if out := a.Run(t, "ip", "-o", "addr", "show", "dev", "va"); !strings.Contains(out, "198.18.3.1/24") {
		t.Errorf("ip addr show inside netns: %q", out)
	}
	// A socket opened inside Do lives in the namespace: 198.18.3.1 is local there only.
	err = a.Do(func() error {
		l, err := net.Listen("tcp", "198.18.3.1:0")
		if err == nil {
			l.Close()
		}
		return err
	})
	if err != nil {
		t.Errorf("listen on the namespace address inside Do: %v", err)
	}
	if l, err := net.Listen("tcp", "198.18.3.1:0"); err == nil {
		l.Close()
		t.Errorf("198.18.3.1 is bindable outside the namespace: Do leaked or the host holds it")
	}
}

func TestCleanupRemovesNamespace(t *testing.T) {
	RequireRoot(t)
	var path string
	t.Run("inner", func(t *testing.T) { path = NewNS(t, "nlab-c").Path })
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Errorf("%s still exists after the subtest ended (stat err %v)", path, err)
	}
}
