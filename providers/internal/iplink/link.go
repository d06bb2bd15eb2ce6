// Package iplink opens an interface in a network namespace and finds
// addresses on it, and probes or announces an address there: the pieces
// the ip drivers share.
package iplink

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strings"

	"github.com/omhcl/omhcl/providers/internal/arp"
	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"
	"golang.org/x/sys/unix"
)

// ErrNoDev marks a missing ipdev.
var ErrNoDev = errors.New("not found")

// Link is an interface opened in its network namespace, with a netlink
// handle working there.
type Link struct {
	Name  string
	NS    netns.NsHandle // netns.None() for the engine's namespace
	H     *netlink.Handle
	L     netlink.Link
	NsArg string // the namespace as configured, for messages
}

// OpenNetns opens a namespace given by name (/run/netns/NAME) or path.
func OpenNetns(spec string) (netns.NsHandle, error) {
	if spec == "" {
		return netns.None(), nil
	}
	var (
		h   netns.NsHandle
		err error
	)
	if strings.Contains(spec, "/") {
		h, err = netns.GetFromPath(spec)
	} else {
		h, err = netns.GetFromName(spec)
	}
	if err != nil {
		return netns.None(), fmt.Errorf("open netns %s: %w", spec, err)
	}
	return h, nil
}

// Open finds interface dev in namespace nsSpec ("" for ours). The
// caller closes it.
func Open(nsSpec, dev string) (*Link, error) {
	ns, err := OpenNetns(nsSpec)
	if err != nil {
		return nil, err
	}
	// Routing sockets only: a handle opens one socket per family asked
	// for (all of them by default), and status runs every round.
	var h *netlink.Handle
	if ns.IsOpen() {
		h, err = netlink.NewHandleAt(ns, unix.NETLINK_ROUTE)
	} else {
		h, err = netlink.NewHandle(unix.NETLINK_ROUTE)
	}
	if err != nil {
		ns.Close()
		return nil, fmt.Errorf("netlink in netns %s: %w", NsLabel(nsSpec), err)
	}
	l := &Link{Name: dev, NS: ns, H: h, NsArg: nsSpec}
	l.L, err = h.LinkByName(dev)
	if err != nil {
		l.Close()
		var nf netlink.LinkNotFoundError
		if errors.As(err, &nf) {
			return nil, fmt.Errorf("ipdev %s %w%s", dev, ErrNoDev, NsSuffix(nsSpec))
		}
		return nil, fmt.Errorf("ipdev %s%s: %w", dev, NsSuffix(nsSpec), err)
	}
	return l, nil
}

func (l *Link) Close() {
	l.H.Close()
	if l.NS.IsOpen() {
		l.NS.Close()
	}
}

// NsLabel names a namespace in messages.
func NsLabel(spec string) string {
	if spec == "" {
		return "(current)"
	}
	return spec
}

// NsSuffix is " in netns X" for a resource with a netns, "" otherwise.
func NsSuffix(spec string) string {
	if spec == "" {
		return ""
	}
	return " in netns " + spec
}

func Family(ip netip.Addr) int {
	if ip.Is4() {
		return netlink.FAMILY_V4
	}
	return netlink.FAMILY_V6
}

// addrs lists the addresses of ip's family on the link.
func (l *Link) Addrs(ip netip.Addr) ([]netlink.Addr, error) {
	list, err := l.H.AddrList(l.L, Family(ip))
	if err != nil {
		return nil, fmt.Errorf("list addresses of %s%s: %w", l.Name, NsSuffix(l.NsArg), err)
	}
	return list, nil
}

// find returns ip as configured on the link (with its prefix), or nil.
func (l *Link) Find(ip netip.Addr) (*netlink.Addr, error) {
	list, err := l.Addrs(ip)
	if err != nil {
		return nil, err
	}
	for i := range list {
		if a, ok := AddrOf(list[i].IP); ok && a == ip.WithZone("") {
			return &list[i], nil
		}
	}
	return nil, nil
}

// subnetPrefix returns the prefix length of an address of the link whose
// subnet holds ip.
func (l *Link) SubnetPrefix(ip netip.Addr) (int, bool, error) {
	list, err := l.Addrs(ip)
	if err != nil {
		return 0, false, err
	}
	for _, a := range list {
		addr, ok := AddrOf(a.IP)
		if !ok || a.IPNet == nil {
			continue
		}
		ones, _ := a.Mask.Size()
		if netip.PrefixFrom(addr, ones).Masked().Contains(ip.WithZone("")) {
			return ones, true, nil
		}
	}
	return 0, false, nil
}

// carrierProblems says why the link cannot carry traffic, if it cannot.
func (l *Link) CarrierProblems() []string {
	a := l.L.Attrs()
	if a.Flags&net.FlagUp == 0 {
		return []string{fmt.Sprintf("%s is down", l.Name)}
	}
	if a.RawFlags&unix.IFF_LOWER_UP == 0 {
		return []string{fmt.Sprintf("no carrier on %s", l.Name)}
	}
	return nil
}

func (l *Link) IsUp() bool { return l.L.Attrs().Flags&net.FlagUp != 0 }

// iface describes the link for the arp package. Links that are not
// Ethernet (loopback, tunnels) get no MAC: there is no ARP nor neighbor
// discovery to do on them.
func (l *Link) Iface() arp.Iface {
	a := l.L.Attrs()
	ifc := arp.Iface{Name: l.Name, Index: a.Index, NetNS: l.NS}
	if a.EncapType == "ether" && len(a.HardwareAddr) == 6 {
		ifc.MAC = a.HardwareAddr
	}
	return ifc
}

func AddrOf(ip net.IP) (netip.Addr, bool) {
	a, ok := netip.AddrFromSlice(ip)
	return a.Unmap(), ok
}

func IPNet(ip netip.Addr, prefix int) *net.IPNet {
	return &net.IPNet{IP: net.IP(ip.WithZone("").AsSlice()), Mask: net.CIDRMask(prefix, ip.BitLen())}
}
