package netlab

import (
	"net"
	"testing"

	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"
	"golang.org/x/sys/unix"
)

// Veth creates a veth pair, aName in namespace a and bName in namespace b,
// and sets both ends up. Interface names are private to their namespaces,
// so tests may use fixed names; they must be at most 15 characters.
// Deleting the namespaces removes the pair.
func Veth(t testing.TB, a *NS, aName string, b *NS, bName string) {
	t.Helper()
	bfd, err := netns.GetFromName(b.Name)
	if err != nil {
		t.Fatalf("open netns %s: %v", b.Name, err)
	}
	defer bfd.Close()
	veth := &netlink.Veth{
		LinkAttrs:     netlink.LinkAttrs{Name: aName},
		PeerName:      bName,
		PeerNamespace: netlink.NsFd(int(bfd)),
	}
	if err := a.handle.LinkAdd(veth); err != nil {
		t.Fatalf("veth %s (netns %s) <-> %s (netns %s): %v", aName, a.Name, bName, b.Name, err)
	}
	t.Cleanup(func() {
		if l, err := a.handle.LinkByName(aName); err == nil {
			_ = a.handle.LinkDel(l) // the namespace may be gone already
		}
	})
	SetUp(t, a, aName)
	SetUp(t, b, bName)
}

// Bridge creates a bridge named name in ns, enslaves the members (links
// already in ns) and sets the bridge up.
func Bridge(t testing.TB, ns *NS, name string, members ...string) {
	t.Helper()
	br := &netlink.Bridge{LinkAttrs: netlink.LinkAttrs{Name: name}}
	if err := ns.handle.LinkAdd(br); err != nil {
		t.Fatalf("bridge %s in netns %s: %v", name, ns.Name, err)
	}
	t.Cleanup(func() {
		if l, err := ns.handle.LinkByName(name); err == nil {
			_ = ns.handle.LinkDel(l)
		}
	})
	for _, m := range members {
		if err := ns.handle.LinkSetMaster(ns.Link(t, m), br); err != nil {
			t.Fatalf("enslave %s to bridge %s in netns %s: %v", m, name, ns.Name, err)
		}
	}
	SetUp(t, ns, name)
}

// SetUp sets link dev of ns administratively up.
func SetUp(t testing.TB, ns *NS, dev string) {
	t.Helper()
	if err := ns.handle.LinkSetUp(ns.Link(t, dev)); err != nil {
		t.Fatalf("set %s up in netns %s: %v", dev, ns.Name, err)
	}
}

// SetDown sets link dev of ns administratively down.
func SetDown(t testing.TB, ns *NS, dev string) {
	t.Helper()
	if err := ns.handle.LinkSetDown(ns.Link(t, dev)); err != nil {
		t.Fatalf("set %s down in netns %s: %v", dev, ns.Name, err)
	}
}

// AddAddr adds cidr ("198.18.0.1/24") to dev in ns. IPv6 addresses skip
// duplicate address detection so they are usable at once.
func AddAddr(t testing.TB, ns *NS, dev, cidr string) {
	t.Helper()
	addr, err := netlink.ParseAddr(cidr)
	if err != nil {
		t.Fatalf("address %q: %v", cidr, err)
	}
	if addr.IP.To4() == nil {
		addr.Flags |= unix.IFA_F_NODAD
	}
	if err := ns.handle.AddrAdd(ns.Link(t, dev), addr); err != nil {
		t.Fatalf("add %s to %s in netns %s: %v", cidr, dev, ns.Name, err)
	}
}

// MAC returns the hardware address of dev in ns.
func MAC(t testing.TB, ns *NS, dev string) net.HardwareAddr {
	t.Helper()
	return ns.Link(t, dev).Attrs().HardwareAddr
}
