package iphost

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

// errNoDev marks a missing ipdev.
var errNoDev = errors.New("not found")

// hostLink is ipdev opened in its network namespace.
type hostLink struct {
	name  string
	ns    netns.NsHandle // netns.None() for the engine's namespace
	h     *netlink.Handle
	link  netlink.Link
	nsArg string // the netns attribute, for messages
}

// openNetns opens a namespace given by name (/run/netns/NAME) or path.
func openNetns(spec string) (netns.NsHandle, error) {
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

// openLink finds interface dev in namespace nsSpec ("" for ours). The
// caller closes it.
func openLink(nsSpec, dev string) (*hostLink, error) {
	ns, err := openNetns(nsSpec)
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
		return nil, fmt.Errorf("netlink in netns %s: %w", nsLabel(nsSpec), err)
	}
	l := &hostLink{name: dev, ns: ns, h: h, nsArg: nsSpec}
	l.link, err = h.LinkByName(dev)
	if err != nil {
		l.Close()
		var nf netlink.LinkNotFoundError
		if errors.As(err, &nf) {
			return nil, fmt.Errorf("ipdev %s %w%s", dev, errNoDev, nsSuffix(nsSpec))
		}
		return nil, fmt.Errorf("ipdev %s%s: %w", dev, nsSuffix(nsSpec), err)
	}
	return l, nil
}

func (l *hostLink) Close() {
	l.h.Close()
	if l.ns.IsOpen() {
		l.ns.Close()
	}
}

// nsLabel names a namespace in messages.
func nsLabel(spec string) string {
	if spec == "" {
		return "(current)"
	}
	return spec
}

// nsSuffix is " in netns X" for a resource with a netns, "" otherwise.
func nsSuffix(spec string) string {
	if spec == "" {
		return ""
	}
	return " in netns " + spec
}

func family(ip netip.Addr) int {
	if ip.Is4() {
		return netlink.FAMILY_V4
	}
	return netlink.FAMILY_V6
}

// addrs lists the addresses of ip's family on the link.
func (l *hostLink) addrs(ip netip.Addr) ([]netlink.Addr, error) {
	list, err := l.h.AddrList(l.link, family(ip))
	if err != nil {
		return nil, fmt.Errorf("list addresses of %s%s: %w", l.name, nsSuffix(l.nsArg), err)
	}
	return list, nil
}

// find returns ip as configured on the link (with its prefix), or nil.
func (l *hostLink) find(ip netip.Addr) (*netlink.Addr, error) {
	list, err := l.addrs(ip)
	if err != nil {
		return nil, err
	}
	for i := range list {
		if a, ok := addrOf(list[i].IP); ok && a == ip.WithZone("") {
			return &list[i], nil
		}
	}
	return nil, nil
}

// subnetPrefix returns the prefix length of an address of the link whose
// subnet holds ip.
func (l *hostLink) subnetPrefix(ip netip.Addr) (int, bool, error) {
	list, err := l.addrs(ip)
	if err != nil {
		return 0, false, err
	}
	for _, a := range list {
		addr, ok := addrOf(a.IP)
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
func (l *hostLink) carrierProblems() []string {
	a := l.link.Attrs()
	if a.Flags&net.FlagUp == 0 {
		return []string{fmt.Sprintf("%s is down", l.name)}
	}
	if a.RawFlags&unix.IFF_LOWER_UP == 0 {
		return []string{fmt.Sprintf("no carrier on %s", l.name)}
	}
	return nil
}

func (l *hostLink) isUp() bool { return l.link.Attrs().Flags&net.FlagUp != 0 }

// iface describes the link for the arp package. Links that are not
// Ethernet (loopback, tunnels) get no MAC: there is no ARP nor neighbor
// discovery to do on them.
func (l *hostLink) iface() arp.Iface {
	a := l.link.Attrs()
	ifc := arp.Iface{Name: l.name, Index: a.Index, NetNS: l.ns}
	if a.EncapType == "ether" && len(a.HardwareAddr) == 6 {
		ifc.MAC = a.HardwareAddr
	}
	return ifc
}

func addrOf(ip net.IP) (netip.Addr, bool) {
	a, ok := netip.AddrFromSlice(ip)
	return a.Unmap(), ok
}

func ipNet(ip netip.Addr, prefix int) *net.IPNet {
	return &net.IPNet{IP: net.IP(ip.WithZone("").AsSlice()), Mask: net.CIDRMask(prefix, ip.BitLen())}
}
