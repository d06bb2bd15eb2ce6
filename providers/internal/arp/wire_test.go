package arp

import (
	"encoding/binary"
	"errors"
	"net"
	"net/netip"
	"testing"

	"github.com/omhcl/omhcl/providers"
)

var (
	ourMAC   = net.HardwareAddr{0x02, 0, 0, 0, 0, 0x01}
	otherMAC = net.HardwareAddr{0x02, 0, 0, 0, 0, 0x02}
	ip4      = netip.MustParseAddr("198.18.0.10")
	ip6      = netip.MustParseAddr("2001:db8::10")
)

func TestARPProbeAndAnnounceLayout(t *testing.T) {
	p, ok := parseARP(arpProbe(ourMAC, ip4))
	if !ok || p.op != arpRequest || !p.senderIP.IsUnspecified() || p.targetIP != ip4 || p.senderHW.String() != ourMAC.String() {
		t.Errorf("probe decodes as %+v (ok %v)", p, ok)
	}
	a, ok := parseARP(arpAnnounce(ourMAC, ip4))
	if !ok || a.op != arpRequest || a.senderIP != ip4 || a.targetIP != ip4 {
		t.Errorf("announce decodes as %+v (ok %v)", a, ok)
	}
}

func TestARPConflictRules(t *testing.T) {
	other := netip.MustParseAddr("198.18.0.99")
	cases := []struct {
		name string
		pkt  arpPacket
		want bool
	}{
		{"reply from the holder", arpPacket{op: arpReply, senderHW: otherMAC, senderIP: ip4, targetHW: ourMAC}, true},
		{"announcement by the holder", arpPacket{op: arpRequest, senderHW: otherMAC, senderIP: ip4, targetIP: ip4}, true},
		{"another host probing", arpPacket{op: arpRequest, senderHW: otherMAC, senderIP: netip.IPv4Unspecified(), targetIP: ip4}, true},
		{"our own probe", arpPacket{op: arpRequest, senderHW: ourMAC, senderIP: netip.IPv4Unspecified(), targetIP: ip4}, false},
		{"unrelated request for ip", arpPacket{op: arpRequest, senderHW: otherMAC, senderIP: other, targetIP: ip4}, false},
		{"unrelated reply", arpPacket{op: arpReply, senderHW: otherMAC, senderIP: other, targetIP: ip4}, false},
	}
	for _, c := range cases {
		if c.pkt.targetHW == nil {
			c.pkt.targetHW = make(net.HardwareAddr, 6)
		}
		if !c.pkt.targetIP.IsValid() {
			c.pkt.targetIP = netip.IPv4Unspecified()
		}
		mac, got := arpConflict(c.pkt.marshal(), ourMAC, ip4)
		if got != c.want {
			t.Errorf("%s: conflict %v, want %v", c.name, got, c.want)
		}
		if got && mac.String() != otherMAC.String() {
			t.Errorf("%s: conflict names %s, want %s", c.name, mac, otherMAC)
		}
	}
	for _, junk := range [][]byte{nil, {1, 2, 3}, make([]byte, 28)} {
		if _, got := arpConflict(junk, ourMAC, ip4); got {
			t.Errorf("junk %v taken for a conflict", junk)
		}
	}
}

// checksumOK recomputes the ICMPv6 checksum with the field included: a
// correct one folds to zero.
func checksumOK(pkt []byte) bool {
	src, dst := [16]byte(pkt[8:24]), [16]byte(pkt[24:40])
	return icmpv6Checksum(src, dst, pkt[ipv6HeaderLen:]) == 0
}

func TestNDPPackets(t *testing.T) {
	dst, ns := dadProbe(ip6)
	if dst.String() != "33:33:ff:00:00:10" {
		t.Errorf("probe goes to %s, want the solicited-node MAC 33:33:ff:00:00:10", dst)
	}
	if got := netip.AddrFrom16([16]byte(ns[24:40])); got != netip.MustParseAddr("ff02::1:ff00:10") {
		t.Errorf("probe destination %s", got)
	}
	if !netip.AddrFrom16([16]byte(ns[8:24])).IsUnspecified() || ns[7] != 255 || ns[40] != typeNeighSolic {
		t.Errorf("probe header: src %x hop %d type %d", ns[8:24], ns[7], ns[40])
	}
	if !checksumOK(ns) {
		t.Error("probe checksum does not verify")
	}
	dst, na := unsolicitedAdvert(ourMAC, ip6)
	if dst.String() != "33:33:00:00:00:01" || !checksumOK(na) || na[44]&naFlagOverride == 0 {
		t.Errorf("advertisement: dst %s checksum ok %v flags %x", dst, checksumOK(na), na[44])
	}
	if int(binary.BigEndian.Uint16(na[4:])) != len(na)-ipv6HeaderLen {
		t.Errorf("payload length %d for %d bytes", binary.BigEndian.Uint16(na[4:]), len(na)-ipv6HeaderLen)
	}
}

func TestNDPConflictRules(t *testing.T) {
	_, na := unsolicitedAdvert(otherMAC, ip6)
	if mac, ok := ndpConflict(na, otherMAC, ourMAC, ip6); !ok || mac.String() != otherMAC.String() {
		t.Errorf("advertisement from another host: conflict %v mac %s", ok, mac)
	}
	if _, ok := ndpConflict(na, ourMAC, ourMAC, ip6); ok {
		t.Error("our own advertisement taken for a conflict")
	}
	if _, ok := ndpConflict(na, otherMAC, ourMAC, netip.MustParseAddr("2001:db8::11")); ok {
		t.Error("advertisement for another address taken for a conflict")
	}
	_, ns := dadProbe(ip6)
	if mac, ok := ndpConflict(ns, otherMAC, ourMAC, ip6); !ok || mac.String() != otherMAC.String() {
		t.Errorf("another host's DAD probe: conflict %v mac %s", ok, mac)
	}
	resolving := ipv6Packet(netip.MustParseAddr("2001:db8::99"), solicitedNode(ip6), ns[ipv6HeaderLen:])
	if _, ok := ndpConflict(resolving, otherMAC, ourMAC, ip6); ok {
		t.Error("an ordinary address resolution taken for a conflict")
	}
	for _, junk := range [][]byte{nil, make([]byte, 63), make([]byte, 100)} {
		if _, ok := ndpConflict(junk, otherMAC, ourMAC, ip6); ok {
			t.Errorf("junk of %d bytes taken for a conflict", len(junk))
		}
	}
}

func TestConflictErrorMatchesErrConflict(t *testing.T) {
	var err error = &ConflictError{IP: ip4, MAC: otherMAC, Dev: "eth0"}
	if !errors.Is(err, providers.ErrConflict) {
		t.Error("errors.Is(ConflictError, providers.ErrConflict) is false")
	}
	if want := "198.18.0.10 is in use on the network: answered from 02:00:00:00:00:02 on eth0"; err.Error() != want {
		t.Errorf("message %q, want %q", err, want)
	}
}

func TestNoEthernetAddress(t *testing.T) {
	err := Probe(t.Context(), Iface{Name: "lo", Index: 1}, ip4, 0, 1)
	if !errors.Is(err, ErrNoLinkAddress) {
		t.Errorf("probe on a link without MAC: %v, want ErrNoLinkAddress", err)
	}
}
