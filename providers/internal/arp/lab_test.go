package arp

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/omhcl/omhcl/testfixtures/netlab"
	"github.com/vishvananda/netns"
)

// lab joins our namespace (link v0) and a peer's (link v1) with a veth.
type lab struct {
	me, peer *netlab.NS
	ifc      Iface // v0, as Probe and Announce take it
}

func newLab(t *testing.T) *lab {
	netlab.RequireRoot(t)
	l := &lab{me: netlab.NewNS(t, "arp-me"), peer: netlab.NewNS(t, "arp-peer")}
	netlab.Veth(t, l.me, "v0", l.peer, "v1")
	h, err := netns.GetFromName(l.me.Name)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close() })
	link := l.me.Link(t, "v0")
	l.ifc = Iface{Name: "v0", Index: link.Attrs().Index, MAC: link.Attrs().HardwareAddr, NetNS: h}
	return l
}

func TestProbeFindsTheHolder(t *testing.T) {
	for _, c := range []struct{ ip, cidr string }{
		{"198.18.1.10", "198.18.1.10/24"},
		{"2001:db8:1::10", "2001:db8:1::10/64"},
	} {
		t.Run(c.ip, func(t *testing.T) {
			l := newLab(t)
			netlab.AddAddr(t, l.peer, "v1", c.cidr)
			wait := 500 * time.Millisecond
			begin := time.Now()
			err := Probe(t.Context(), l.ifc, netip.MustParseAddr(c.ip), wait, 3)
			took := time.Since(begin)
			var ce *ConflictError
			if !errors.As(err, &ce) {
				t.Fatalf("probe for an address the peer holds: %v, want a conflict", err)
			}
			if want := netlab.MAC(t, l.peer, "v1").String(); ce.MAC.String() != want {
				t.Errorf("conflict names %s, want the peer's %s", ce.MAC, want)
			}
			t.Logf("conflict found in %v: %v", took, err)
			if took > wait {
				t.Errorf("conflict reported after %v, later than the %v wait", took, wait)
			}
		})
	}
}

func TestProbeFreeAddressWaits(t *testing.T) {
	for _, c := range []struct{ ip, peerCIDR string }{
		{"198.18.1.10", "198.18.1.11/24"},
		{"2001:db8:1::10", "2001:db8:1::11/64"},
	} {
		t.Run(c.ip, func(t *testing.T) {
			l := newLab(t)
			netlab.AddAddr(t, l.peer, "v1", c.peerCIDR)
			wait := 300 * time.Millisecond
			begin := time.Now()
			if err := Probe(t.Context(), l.ifc, netip.MustParseAddr(c.ip), wait, 3); err != nil {
				t.Fatalf("probe for a free address: %v", err)
			}
			took := time.Since(begin)
			t.Logf("free address probe took %v (wait %v)", took, wait)
			if took < wait {
				t.Errorf("probe returned after %v, before its %v wait", took, wait)
			}
		})
	}
}

func TestProbeStopsOnCancel(t *testing.T) {
	l := newLab(t)
	ctx, cancel := context.WithCancel(t.Context())
	time.AfterFunc(100*time.Millisecond, cancel)
	begin := time.Now()
	err := Probe(ctx, l.ifc, netip.MustParseAddr("198.18.1.10"), 10*time.Second, 2)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled probe: %v, want context.Canceled", err)
	}
	if took := time.Since(begin); took > 5*time.Second {
		t.Errorf("cancelled probe returned after %v", took)
	}
}

// TestAnnounceUpdatesPeerCache plays a failover: the peer caches the
// address at an old MAC; our announcement must move it to ours.
func TestAnnounceUpdatesPeerCache(t *testing.T) {
	for _, c := range []struct{ ip, peerCIDR string }{
		{"198.18.1.10", "198.18.1.11/24"},
		{"2001:db8:1::10", "2001:db8:1::11/64"},
	} {
		t.Run(c.ip, func(t *testing.T) {
			l := newLab(t)
			netlab.AddAddr(t, l.peer, "v1", c.peerCIDR)
			ip := netip.MustParseAddr(c.ip)
			oldMAC := net.HardwareAddr{0x02, 0, 0, 0, 0, 0x99}
			netlab.SetNeigh(t, l.peer, "v1", ip, oldMAC)
			if err := Announce(t.Context(), l.ifc, ip, 2, 10*time.Millisecond); err != nil {
				t.Fatalf("announce: %v", err)
			}
			waitNeigh(t, l.peer, "v1", ip, l.ifc.MAC)
		})
	}
}

// waitNeigh waits up to a second for the peer's neighbour entry for ip to
// point at want (the kernel processes the packet asynchronously).
func waitNeigh(t *testing.T, ns *netlab.NS, dev string, ip netip.Addr, want net.HardwareAddr) {
	t.Helper()
	var got net.HardwareAddr
	for range 50 {
		got = netlab.NeighMAC(t, ns, dev, ip)
		if got.String() == want.String() {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Errorf("peer neighbour entry for %s is at %v, want %s", ip, got, want)
}
