// Package arp finds out whether an IP address is already in use on a link,
// and announces a newly claimed one, without external binaries: ARP probes
// and announcements (RFC 5227) for IPv4, Neighbor Discovery duplicate
// address detection and unsolicited advertisements (RFC 4861, 4862) for
// IPv6. Packets go through AF_PACKET sockets, opened in the namespace that
// holds the interface.
package arp

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"time"

	"github.com/omhcl/omhcl/providers"
	"github.com/vishvananda/netns"
	"golang.org/x/sys/unix"
)

// Iface is the link to probe or announce on.
type Iface struct {
	Name  string           // for messages
	Index int              // the interface index inside NetNS
	MAC   net.HardwareAddr // our own address: its packets are never a conflict
	// NetNS is the network namespace holding the link, netns.None() for
	// the caller's. The caller keeps it open during the call.
	NetNS netns.NsHandle
}

// ConflictError says another host answers for the address. It matches
// providers.ErrConflict with errors.Is.
type ConflictError struct {
	IP  netip.Addr
	MAC net.HardwareAddr // the other host's link-layer address
	Dev string
}

func (e *ConflictError) Error() string {
	return fmt.Sprintf("%s is in use on the network: answered from %s on %s", e.IP, e.MAC, e.Dev)
}

// Is makes errors.Is(err, providers.ErrConflict) true.
func (e *ConflictError) Is(target error) bool { return target == providers.ErrConflict }

// ErrNoLinkAddress is returned for links without an Ethernet address
// (loopback, tunnels): neighbour discovery does not exist there.
var ErrNoLinkAddress = errors.New("no ethernet address")

// Probe sends count probes for ip on ifc, spread over wait, and listens
// until wait has passed. It returns a *ConflictError as soon as another
// host answers or claims ip, nil if none did, or another error if the
// probe could not be made.
func Probe(ctx context.Context, ifc Iface, ip netip.Addr, wait time.Duration, count int) error {
	fam, ip, err := familyOf(ifc, ip)
	if err != nil {
		return err
	}
	c, err := openPacketConn(ifc, fam.ethertype, fam.filter)
	if err != nil {
		return err
	}
	defer c.Close()
	if fam.probeGroup != nil {
		// Hear another host's simultaneous DAD on NICs that filter multicast.
		if err := c.joinMulticast(fam.probeGroup(ip)); err != nil {
			return fmt.Errorf("join solicited-node group on %s: %w", ifc.Name, err)
		}
	}
	stop := context.AfterFunc(ctx, func() { _ = c.f.SetReadDeadline(time.Now()) })
	defer stop()
	dst, pkt := fam.probe(ifc.MAC, ip)
	start := time.Now()
	count = max(count, 1)
	for i := range count {
		if err := c.send(dst, pkt); err != nil {
			return fmt.Errorf("send probe for %s on %s: %w", ip, ifc.Name, err)
		}
		next := start.Add(wait * time.Duration(i+1) / time.Duration(count))
		if err := listen(ctx, c, fam, ip, next); err != nil {
			return err
		}
	}
	return nil
}

// listen reads packets until deadline, returning a *ConflictError for the
// first one showing another host with ip.
func listen(ctx context.Context, c *packetConn, fam family, ip netip.Addr, deadline time.Time) error {
	buf := make([]byte, 1500)
	for {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("probe for %s on %s: %w", ip, c.ifc.Name, err)
		}
		n, from, err := c.recv(buf, deadline)
		if errors.Is(err, errTimeout) {
			if ctx.Err() != nil {
				continue // cancelled, not timed out: report it above
			}
			return nil
		}
		if err != nil {
			return fmt.Errorf("receive on %s: %w", c.ifc.Name, err)
		}
		if mac, ok := fam.conflict(buf[:n], from, c.ifc.MAC, ip); ok {
			return &ConflictError{IP: ip, MAC: mac, Dev: c.ifc.Name}
		}
	}
}

// Announce tells the link's neighbours that ip is now at ifc.MAC: count
// gratuitous ARP requests (IPv4) or unsolicited neighbor advertisements
// (IPv6), gap apart.
func Announce(ctx context.Context, ifc Iface, ip netip.Addr, count int, gap time.Duration) error {
	fam, ip, err := familyOf(ifc, ip)
	if err != nil {
		return err
	}
	c, err := openPacketConn(ifc, fam.ethertype, nil)
	if err != nil {
		return err
	}
	dst, pkt := fam.announce(ifc.MAC, ip)
	if err := c.send(dst, pkt); err != nil {
		c.Close()
		return fmt.Errorf("announce %s on %s: %w", ip, ifc.Name, err)
	}
	// The others, gap apart, in the background: the address is usable
	// now, and what starts after it (the app) need not wait for them.
	// The socket was opened in ifc's namespace and stays there.
	providers.Go(func() {
		defer c.Close()
		for range count - 1 {
			select {
			case <-ctx.Done():
				return
			case <-time.After(gap):
			}
			if c.send(dst, pkt) != nil {
				return
			}
		}
	})
	return nil
}

// family holds what differs between ARP and neighbor discovery.
type family struct {
	ethertype  uint16
	filter     []unix.SockFilter
	probe      func(mac net.HardwareAddr, ip netip.Addr) (net.HardwareAddr, []byte)
	announce   func(mac net.HardwareAddr, ip netip.Addr) (net.HardwareAddr, []byte)
	conflict   func(pkt []byte, from, ours net.HardwareAddr, ip netip.Addr) (net.HardwareAddr, bool)
	probeGroup func(ip netip.Addr) net.HardwareAddr
}

var ipv4 = family{
	ethertype: unix.ETH_P_ARP,
	probe: func(mac net.HardwareAddr, ip netip.Addr) (net.HardwareAddr, []byte) {
		return broadcastMAC, arpProbe(mac, ip)
	},
	announce: func(mac net.HardwareAddr, ip netip.Addr) (net.HardwareAddr, []byte) {
		return broadcastMAC, arpAnnounce(mac, ip)
	},
	conflict: func(pkt []byte, _, ours net.HardwareAddr, ip netip.Addr) (net.HardwareAddr, bool) {
		return arpConflict(pkt, ours, ip)
	},
}

var ipv6 = family{
	ethertype: unix.ETH_P_IPV6,
	// Only ICMPv6 without extension headers (neighbor discovery never has
	// any) reaches us, not every IPv6 packet on the link.
	filter: []unix.SockFilter{
		{Code: unix.BPF_LD | unix.BPF_B | unix.BPF_ABS, K: 6}, // next header
		{Code: unix.BPF_JMP | unix.BPF_JEQ | unix.BPF_K, Jt: 0, Jf: 1, K: protoICMPv6},
		{Code: unix.BPF_RET | unix.BPF_K, K: 0xffff},
		{Code: unix.BPF_RET | unix.BPF_K, K: 0},
	},
	probe: func(_ net.HardwareAddr, ip netip.Addr) (net.HardwareAddr, []byte) {
		return dadProbe(ip)
	},
	announce:   unsolicitedAdvert,
	conflict:   ndpConflict,
	probeGroup: func(ip netip.Addr) net.HardwareAddr { return multicastMAC(solicitedNode(ip)) },
}

// familyOf picks ARP or neighbor discovery for ip, and returns ip as it
// appears on the wire (no zone, IPv4 unmapped).
func familyOf(ifc Iface, ip netip.Addr) (family, netip.Addr, error) {
	if len(ifc.MAC) != 6 {
		return family{}, ip, fmt.Errorf("%s: %w", ifc.Name, ErrNoLinkAddress)
	}
	ip = ip.Unmap().WithZone("")
	switch {
	case ip.Is4():
		return ipv4, ip, nil
	case ip.Is6():
		return ipv6, ip, nil
	}
	return family{}, ip, fmt.Errorf("invalid address %v", ip)
}
