package iphost

import (
	"context"
	"errors"
	"fmt"
	"net/netip"

	"github.com/omhcl/omhcl/providers"
	"github.com/vishvananda/netlink"
)

// Operations lists what start or stop would do from the current state.
func (d *driver) Operations(ctx context.Context, a providers.Action) []string {
	s, err := parseSettings(d.r)
	if err != nil {
		return []string{fmt.Sprintf("error: %s: %v", d.r.RID(), err)}
	}
	if !s.known {
		return plannedOps(s, a)
	}
	ip, err := d.address(ctx, s)
	if err != nil {
		return []string{"error: " + err.Error()}
	}
	link, err := openLink(s.netns, s.dev)
	if err != nil && !errors.Is(err, errNoDev) {
		return []string{"error: " + err.Error()}
	}
	var cur *netlink.Addr
	if link != nil {
		defer link.Close()
		if cur, err = link.find(ip); err != nil {
			return []string{"error: " + err.Error()}
		}
	}
	switch a {
	case providers.ActStart:
		if cur != nil {
			return nil
		}
		cidr := fmt.Sprintf("%s/%s", ip, d.plannedPrefix(s, ip, link))
		return startOps(s, ip.String(), protocol(ip), cidr)
	case providers.ActStop:
		if cur == nil {
			return nil
		}
		return []string{delCommand(s, cur.IPNet.String())}
	}
	return nil
}

// plannedPrefix prints the prefix start would give ip, or why it has none.
func (d *driver) plannedPrefix(s settings, ip netip.Addr, link *hostLink) string {
	p, err := d.prefix(s, ip, link, nil)
	if err != nil {
		return fmt.Sprintf("(%v)", err)
	}
	return fmt.Sprint(p)
}

// plannedOps lists the operations of a resource whose attributes are not
// all known: every path is possible, so the full sequence is shown.
func plannedOps(s settings, a providers.Action) []string {
	ip, proto := providers.Unknown, "arp"
	if addr, err := netip.ParseAddr(s.host); err == nil {
		ip, proto = addr.String(), protocol(addr)
	}
	prefix := providers.Unknown
	if s.prefix != noPrefix {
		prefix = fmt.Sprint(s.prefix)
	}
	cidr := ip + "/" + prefix
	if ip == providers.Unknown && prefix == providers.Unknown {
		cidr = providers.Unknown
	}
	switch a {
	case providers.ActStart:
		return startOps(s, ip, proto, cidr)
	case providers.ActStop:
		return []string{delCommand(s, cidr)}
	}
	return nil
}

// startOps is the start sequence: probe, add, announce.
func startOps(s settings, ip, proto, cidr string) []string {
	var ops []string
	where := s.dev + nsSuffix(s.netns)
	probe := func(wait string) string {
		return fmt.Sprintf("%s probe %s on %s %s, abort on answer", proto, ip, where, wait)
	}
	switch {
	case s.waitUnknown:
		ops = append(ops, probe(providers.Unknown)) // already in parentheses
	case s.probeWait > 0:
		ops = append(ops, probe("("+s.probeWait.String()+")"))
	}
	return append(ops, addCommand(s, cidr, proto == "ndp"), fmt.Sprintf("%s announce %s on %s", proto, ip, where))
}
