package netlab

import (
	"net"
	"net/netip"
	"testing"

	"github.com/vishvananda/netlink"
)

// SetNeigh puts a stale neighbour entry for ip at mac on dev of ns, as a
// host that once talked to ip holds: announcements update such entries
// (by default Linux creates none from unsolicited ARP or advertisements).
func SetNeigh(t testing.TB, ns *NS, dev string, ip netip.Addr, mac net.HardwareAddr) {
	t.Helper()
	n := &netlink.Neigh{
		LinkIndex:    ns.Link(t, dev).Attrs().Index,
		Family:       family(ip),
		State:        netlink.NUD_STALE,
		IP:           net.IP(ip.AsSlice()),
		HardwareAddr: mac,
	}
	if err := ns.handle.NeighSet(n); err != nil {
		t.Fatalf("neighbour %s at %s on %s in netns %s: %v", ip, mac, dev, ns.Name, err)
	}
}

// NeighMAC returns the link-layer address ns's neighbour table holds for
// ip on dev, nil if none.
func NeighMAC(t testing.TB, ns *NS, dev string, ip netip.Addr) net.HardwareAddr {
	t.Helper()
	list, err := ns.handle.NeighList(ns.Link(t, dev).Attrs().Index, family(ip))
	if err != nil {
		t.Fatalf("neighbours of %s in netns %s: %v", dev, ns.Name, err)
	}
	for _, n := range list {
		if a, ok := netip.AddrFromSlice(n.IP); ok && a.Unmap() == ip.Unmap() {
			return n.HardwareAddr
		}
	}
	return nil
}

func family(ip netip.Addr) int {
	if ip.Unmap().Is4() {
		return netlink.FAMILY_V4
	}
	return netlink.FAMILY_V6
}
