package arp

import (
	"bytes"
	"encoding/binary"
	"net"
	"net/netip"
)

// IPv6 Neighbor Discovery (RFC 4861) for duplicate address detection
// (RFC 4862 5.4) and unsolicited neighbor advertisements.
const (
	ipv6HeaderLen  = 40
	protoICMPv6    = 58
	ndpHopLimit    = 255
	typeNeighSolic = 135
	typeNeighAdv   = 136
	optTargetLL    = 2
	naFlagOverride = 0x20
)

var allNodes = netip.MustParseAddr("ff02::1")

// multicastMAC maps an IPv6 multicast address to its Ethernet address
// (RFC 2464 7): 33:33 and the low 32 bits.
func multicastMAC(ip netip.Addr) net.HardwareAddr {
	a := ip.As16()
	return net.HardwareAddr{0x33, 0x33, a[12], a[13], a[14], a[15]}
}

// solicitedNode is the solicited-node multicast group of ip, which every
// host holding ip listens to.
func solicitedNode(ip netip.Addr) netip.Addr {
	a := ip.As16()
	return netip.AddrFrom16([16]byte{0xff, 0x02, 10: 0, 11: 1, 12: 0xff, 13: a[13], 14: a[14], 15: a[15]})
}

// ipv6Packet wraps an ICMPv6 message in an IPv6 header with hop limit 255
// (receivers drop neighbor discovery with any other) and sets its checksum.
func ipv6Packet(src, dst netip.Addr, icmp []byte) []byte {
	b := make([]byte, ipv6HeaderLen+len(icmp))
	b[0] = 0x60
	binary.BigEndian.PutUint16(b[4:], uint16(len(icmp)))
	b[6], b[7] = protoICMPv6, ndpHopLimit
	s, d := src.As16(), dst.As16()
	copy(b[8:24], s[:])
	copy(b[24:40], d[:])
	copy(b[40:], icmp)
	binary.BigEndian.PutUint16(b[42:], icmpv6Checksum(s, d, icmp))
	return b
}

// icmpv6Checksum is the internet checksum over the IPv6 pseudo-header and
// the message (whose checksum field is zero).
func icmpv6Checksum(src, dst [16]byte, msg []byte) uint16 {
	var sum uint32
	add := func(b []byte) {
		for i := 0; i+1 < len(b); i += 2 {
			sum += uint32(binary.BigEndian.Uint16(b[i:]))
		}
		if len(b)%2 == 1 {
			sum += uint32(b[len(b)-1]) << 8
		}
	}
	add(src[:])
	add(dst[:])
	var tail [8]byte
	binary.BigEndian.PutUint32(tail[0:], uint32(len(msg)))
	tail[7] = protoICMPv6
	add(tail[:])
	add(msg)
	for sum > 0xffff {
		sum = sum&0xffff + sum>>16
	}
	return ^uint16(sum)
}

// dadProbe is a neighbor solicitation for ip from the unspecified address
// to ip's solicited-node group: a holder of ip answers with an advertisement.
func dadProbe(ip netip.Addr) (dst net.HardwareAddr, pkt []byte) {
	msg := make([]byte, 24)
	msg[0] = typeNeighSolic
	t := ip.As16()
	copy(msg[8:], t[:])
	group := solicitedNode(ip)
	return multicastMAC(group), ipv6Packet(netip.IPv6Unspecified(), group, msg)
}

// unsolicitedAdvert tells all nodes that ip is at mac, overriding their
// cache entries (RFC 4861 7.2.6).
func unsolicitedAdvert(mac net.HardwareAddr, ip netip.Addr) (dst net.HardwareAddr, pkt []byte) {
	msg := make([]byte, 32)
	msg[0] = typeNeighAdv
	msg[4] = naFlagOverride
	t := ip.As16()
	copy(msg[8:24], t[:])
	msg[24], msg[25] = optTargetLL, 1 // option length in units of 8 bytes
	copy(msg[26:32], mac)
	return multicastMAC(allNodes), ipv6Packet(ip, allNodes, msg)
}

// ndpConflict reports whether a received IPv6 packet shows another host
// using ip: an advertisement for ip, or another host's DAD solicitation for
// ip. It returns that host's hardware address.
func ndpConflict(b []byte, from, ours net.HardwareAddr, ip netip.Addr) (net.HardwareAddr, bool) {
	if len(b) < ipv6HeaderLen+24 || b[0]>>4 != 6 || b[6] != protoICMPv6 || b[7] != ndpHopLimit || bytes.Equal(from, ours) {
		return nil, false
	}
	src := netip.AddrFrom16([16]byte(b[8:24]))
	msg := b[ipv6HeaderLen:]
	if msg[1] != 0 || netip.AddrFrom16([16]byte(msg[8:24])) != ip {
		return nil, false
	}
	switch msg[0] {
	case typeNeighAdv:
		if mac := targetLLOption(msg[24:]); mac != nil {
			return mac, true
		}
		return from, true
	case typeNeighSolic:
		if src.IsUnspecified() {
			return from, true
		}
	}
	return nil, false
}

// targetLLOption returns the target link-layer address option of an
// advertisement, or nil.
func targetLLOption(opts []byte) net.HardwareAddr {
	for len(opts) >= 8 {
		n := int(opts[1]) * 8
		if n == 0 || n > len(opts) {
			return nil
		}
		if opts[0] == optTargetLL {
			return net.HardwareAddr(append([]byte(nil), opts[2:8]...))
		}
		opts = opts[n:]
	}
	return nil
}
