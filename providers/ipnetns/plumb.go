package ipnetns

import (
	"errors"
	"fmt"
	"net/netip"

	"github.com/omhcl/omhcl/providers"
	"github.com/omhcl/omhcl/providers/internal/iplink"
	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"
)

// plumbing is one start's work: the host link, the namespace, and what
// to put there.
type plumbing struct {
	d       *driver
	s       settings
	ip      netip.Addr
	parent  *iplink.Link
	in      *inside
	ifname  string
	created bool // the inside link is ours to delete on failure
	log     *providers.Log
}

// createLink makes the interface, already inside the namespace (no
// moment where it sits on the host under its inside name).
func (p *plumbing) createLink() error {
	nsfd := netlink.NsFd(int(p.in.ns))
	attrs := netlink.LinkAttrs{Name: p.ifname, ParentIndex: p.parent.L.Attrs().Index, Namespace: nsfd}
	var link netlink.Link
	switch p.s.mode {
	case modeIPvlan:
		link = &netlink.IPVlan{LinkAttrs: attrs, Mode: netlink.IPVLAN_MODE_L2}
	case modeBridge:
		return p.createVeth(nsfd)
	default:
		link = &netlink.Macvlan{LinkAttrs: attrs, Mode: netlink.MACVLAN_MODE_BRIDGE}
	}
	p.log.Op("%s", linkAddCommand(p.d.r, p.s, p.ifname))
	if err := p.parent.H.LinkAdd(link); err != nil {
		if errors.Is(err, unix.EOPNOTSUPP) {
			return fmt.Errorf("add %s %s of %s in netns %s: this kernel has no %s support: %w", p.s.mode, p.ifname, p.s.parent, p.s.netns, p.s.mode, err)
		}
		return fmt.Errorf("add %s %s of %s in netns %s: %w", p.s.mode, p.ifname, p.s.parent, p.s.netns, err)
	}
	return nil
}

// createVeth makes the pair, its peer inside, and joins the host end to
// the bridge ipdev.
func (p *plumbing) createVeth(nsfd netlink.NsFd) error {
	host := hostVethName(p.d.r)
	veth := &netlink.Veth{LinkAttrs: netlink.LinkAttrs{Name: host}, PeerName: p.ifname, PeerNamespace: nsfd}
	p.log.Op("%s", linkAddCommand(p.d.r, p.s, p.ifname))
	if err := p.parent.H.LinkAdd(veth); err != nil {
		return fmt.Errorf("add veth %s peer %s in netns %s: %w", host, p.ifname, p.s.netns, err)
	}
	p.log.Op("%s", masterCommand(p.d.r, p.s))
	l, err := p.parent.H.LinkByName(host)
	if err == nil {
		err = p.parent.H.LinkSetMaster(l, p.parent.L)
	}
	if err == nil {
		err = p.parent.H.LinkSetUp(l)
	}
	if err != nil {
		return fmt.Errorf("join veth %s to bridge %s: %w", host, p.s.parent, err)
	}
	return nil
}

// configure marks the inside link, adds the address, sets it up and adds
// the default route.
func (p *plumbing) configure(prefix int) error {
	h := p.in.h
	l, err := h.LinkByName(p.ifname)
	if err != nil {
		return fmt.Errorf("find %s in netns %s: %w", p.ifname, p.s.netns, err)
	}
	if err := h.LinkSetAlias(l, alias(p.d.r)); err != nil {
		return fmt.Errorf("mark %s in netns %s: %w", p.ifname, p.s.netns, err)
	}
	addr := &netlink.Addr{IPNet: iplink.IPNet(p.ip, prefix)}
	if p.ip.Is6() {
		addr.Flags = unix.IFA_F_NODAD // the conflict probe did it
	}
	p.log.Op("%s", addrAddCommand(p.s, addr.IPNet.String(), p.ifname))
	if err := h.AddrAdd(l, addr); err != nil && !errors.Is(err, unix.EEXIST) {
		return fmt.Errorf("add %s to %s in netns %s: %w", addr.IPNet, p.ifname, p.s.netns, err)
	}
	p.log.Op("%s", upCommand(p.s, p.ifname))
	if err := h.LinkSetUp(l); err != nil {
		return fmt.Errorf("set %s up in netns %s: %w", p.ifname, p.s.netns, err)
	}
	if !p.s.gateway.IsValid() {
		return nil
	}
	p.log.Op("%s", routeCommand(p.s))
	gw := &netlink.Route{LinkIndex: l.Attrs().Index, Gw: p.s.gateway.AsSlice()}
	if err := h.RouteReplace(gw); err != nil {
		return fmt.Errorf("default route via %s in netns %s: %w", p.s.gateway, p.s.netns, err)
	}
	return nil
}

// undo removes what a failed start created, so nothing stays plumbed.
func (p *plumbing) undo() {
	if l, err := p.in.h.LinkByName(p.ifname); err == nil && p.created {
		_ = p.in.h.LinkDel(l)
	}
	if p.s.mode == modeBridge {
		removeHostEnd(p.parent.H, p.d.r)
	}
}

// removeHostEnd deletes a leftover host end of the veth pair, reporting
// whether there was one.
func removeHostEnd(h *netlink.Handle, r *providers.Resource) bool {
	l, err := h.LinkByName(hostVethName(r))
	if err != nil {
		return false
	}
	return h.LinkDel(l) == nil
}
