package arp

import (
	"bytes"
	"encoding/binary"
	"net"
	"net/netip"
)

// ARP over Ethernet for IPv4 (RFC 826), probes and announcements as
// RFC 5227 defines them.
const (
	arpRequest = 1
	arpReply   = 2
	arpLen     = 28
)

var broadcastMAC = net.HardwareAddr{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}

// arpPacket is an Ethernet/IPv4 ARP packet.
type arpPacket struct {
	op       uint16
	senderHW net.HardwareAddr
	senderIP netip.Addr
	targetHW net.HardwareAddr
	targetIP netip.Addr
}

func (p arpPacket) marshal() []byte {
	b := make([]byte, arpLen)
	binary.BigEndian.PutUint16(b[0:], 1)      // hardware type: Ethernet
	binary.BigEndian.PutUint16(b[2:], 0x0800) // protocol type: IPv4
	b[4], b[5] = 6, 4
	binary.BigEndian.PutUint16(b[6:], p.op)
	copy(b[8:14], p.senderHW)
	sip, tip := p.senderIP.As4(), p.targetIP.As4()
	copy(b[14:18], sip[:])
	copy(b[18:24], p.targetHW)
	copy(b[24:28], tip[:])
	return b
}

// parseARP decodes an Ethernet/IPv4 ARP packet; ok is false for anything else.
func parseARP(b []byte) (p arpPacket, ok bool) {
	if len(b) < arpLen || binary.BigEndian.Uint16(b[0:]) != 1 || binary.BigEndian.Uint16(b[2:]) != 0x0800 || b[4] != 6 || b[5] != 4 {
		return p, false
	}
	p.op = binary.BigEndian.Uint16(b[6:])
	p.senderHW = net.HardwareAddr(append([]byte(nil), b[8:14]...))
	p.senderIP = netip.AddrFrom4([4]byte(b[14:18]))
	p.targetHW = net.HardwareAddr(append([]byte(nil), b[18:24]...))
	p.targetIP = netip.AddrFrom4([4]byte(b[24:28]))
	return p, true
}

// arpProbe is the RFC 5227 probe for ip: "who has ip?" from 0.0.0.0, so
// no host caches anything from it.
func arpProbe(mac net.HardwareAddr, ip netip.Addr) []byte {
	return arpPacket{op: arpRequest, senderHW: mac, senderIP: netip.IPv4Unspecified(), targetHW: make(net.HardwareAddr, 6), targetIP: ip}.marshal()
}

// arpAnnounce is the RFC 5227 announcement (a gratuitous ARP request):
// sender and target are both ip, so neighbours update their cache entry.
func arpAnnounce(mac net.HardwareAddr, ip netip.Addr) []byte {
	return arpPacket{op: arpRequest, senderHW: mac, senderIP: ip, targetHW: make(net.HardwareAddr, 6), targetIP: ip}.marshal()
}

// arpConflict reports whether a received ARP packet shows another host
// using ip (RFC 5227 2.1.1): any packet whose sender is ip, or another
// host's probe for ip. It returns that host's hardware address.
func arpConflict(b []byte, ours net.HardwareAddr, ip netip.Addr) (net.HardwareAddr, bool) {
	p, ok := parseARP(b)
	if !ok || bytes.Equal(p.senderHW, ours) {
		return nil, false
	}
	if p.senderIP == ip {
		return p.senderHW, true
	}
	if p.op == arpRequest && p.senderIP.IsUnspecified() && p.targetIP == ip {
		return p.senderHW, true
	}
	return nil, false
}
