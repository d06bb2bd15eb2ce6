package iphost

import (
	"context"
	"fmt"
	"net/netip"

	"github.com/omhcl/omhcl/providers"

	"github.com/omhcl/omhcl/providers/internal/iplink"
)

// Operations lists what start or stop runs, from the settings alone.
func (d *driver) Operations(ctx context.Context, a providers.Action) []string {
	s, err := parseSettings(d.r)
	if err != nil {
		return []string{fmt.Sprintf("error: %s: %v", d.r.RID(), err)}
	}
	if !s.known {
		return plannedOps(s, a)
	}
	// A name this host cannot resolve is named: CheckAttrs reports it, and
	// the node may resolve it.
	addr, proto := fmt.Sprintf("(address of %s)", s.host), "arp"
	if ip, err := d.address(ctx, s); err == nil {
		addr, proto = ip.String(), iplink.Protocol(ip)
	}
	// Pure: a plan made from a snapshot on a CI runner, without ipdev,
	// must read the same. A prefix taken from ipdev's own address at start
	// is named, not looked up.
	prefix := fmt.Sprintf("(prefix of %s)", s.dev)
	if s.prefix != noPrefix {
		prefix = fmt.Sprint(s.prefix)
	}
	cidr := addr + "/" + prefix
	switch a {
	case providers.ActStart:
		return startOps(s, addr, proto, cidr)
	case providers.ActStop:
		return []string{delCommand(s, cidr)}
	}
	return nil
}

// plannedOps lists the operations of a resource whose attributes are not
// all known: every path is possible, so the full sequence is shown.
func plannedOps(s settings, a providers.Action) []string {
	ip, proto := providers.Unknown, "arp"
	if addr, err := netip.ParseAddr(s.host); err == nil {
		ip, proto = addr.String(), iplink.Protocol(addr)
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
	where := s.dev + iplink.NsSuffix(s.netns)
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
