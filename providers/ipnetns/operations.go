package ipnetns

import (
	"context"
	"fmt"
	"net/netip"
	"strconv"

	"github.com/omhcl/omhcl/providers"
	"github.com/omhcl/omhcl/providers/internal/iplink"
	"github.com/zclconf/go-cty/cty"
)

// Operations lists what start or stop runs, from the settings alone.
func (d *driver) Operations(ctx context.Context, a providers.Action) []string {
	s, err := parseSettings(d.r)
	if err != nil {
		return []string{fmt.Sprintf("error: %s: %v", d.r.RID(), err)}
	}
	ifname := ifLabel(s)
	switch a {
	case providers.ActStart:
		return d.startOps(ctx, s, ifname)
	case providers.ActStop:
		if s.ifname == "" {
			ifname = fmt.Sprintf("(the link with alias %q)", alias(d.r))
		}
		return []string{linkDelCommand(s, ifname)}
	}
	return nil
}

func (d *driver) startOps(ctx context.Context, s settings, ifname string) []string {
	ip, proto := "(address of "+s.host+")", "arp"
	if a, err := d.addressNow(ctx, s); err == nil {
		ip, proto = a.String(), iplink.Protocol(a)
	}
	prefix := strconv.Itoa(s.prefix)
	if s.prefix < 0 {
		prefix = providers.Unknown
	}
	var ops []string
	switch {
	case s.waitUnknown:
		ops = append(ops, fmt.Sprintf("%s probe %s on %s %s, abort on answer", proto, ip, s.parent, providers.Unknown))
	case s.probeWait > 0:
		ops = append(ops, fmt.Sprintf("%s probe %s on %s (%s), abort on answer", proto, ip, s.parent, s.probeWait))
	}
	ops = append(ops, linkAddCommand(d.r, s, ifname))
	if s.mode == modeBridge {
		ops = append(ops, masterCommand(d.r, s))
	}
	ops = append(ops, addrAddCommand(s, ip+"/"+prefix, ifname), upCommand(s, ifname))
	if s.gateway.IsValid() {
		ops = append(ops, routeCommand(s))
	} else if gw := d.r.Str("gateway"); gw == providers.Unknown {
		ops = append(ops, fmt.Sprintf("%s route replace default via %s", iplink.IPCommand(s.netns), gw))
	}
	return append(ops, fmt.Sprintf("%s announce %s from %s in netns %s", proto, ip, ifname, s.netns))
}

// addressNow resolves ipname when it is known, within resolveTimeout.
func (d *driver) addressNow(ctx context.Context, s settings) (netip.Addr, error) {
	if !d.r.Known("ipname") {
		return netip.Addr{}, fmt.Errorf("ipname not known")
	}
	ctx, cancel := context.WithTimeout(ctx, resolveTimeout)
	defer cancel()
	return d.res.Address(ctx, s.host)
}

// Exposed computes ipaddr and prefix from the configuration.
func (d *driver) Exposed(ctx context.Context) map[string]cty.Value {
	out := map[string]cty.Value{"ipaddr": cty.UnknownVal(cty.String), "prefix": cty.UnknownVal(cty.Number)}
	s, err := parseSettings(d.r)
	if err != nil {
		return out
	}
	if ip, err := d.addressNow(ctx, s); err == nil {
		out["ipaddr"] = cty.StringVal(ip.String())
	}
	if s.prefix >= 0 && d.r.Known("ipname", "netmask") {
		out["prefix"] = cty.NumberIntVal(int64(s.prefix))
	}
	return out
}

// Describe is "198.18.0.10/24 eth1 macvlan of eth0 netns /proc/1234/ns/net",
// with the live interface name once started.
func (d *driver) Describe() string {
	s, _ := parseSettings(d.r)
	addr := s.ipname
	if ip, err := d.addressNow(context.Background(), s); err == nil && s.prefix >= 0 {
		addr = netip.PrefixFrom(ip, s.prefix).String()
	}
	return fmt.Sprintf("%s %s %s of %s netns %s", addr, d.liveIfName(s), s.mode, s.parent, s.netns)
}

// liveIfName is the name of the interface start made, when it is there,
// else the name it would get.
func (d *driver) liveIfName(s settings) string {
	if !s.known {
		return ifLabel(s)
	}
	in, err := openInside(s.netns)
	if err != nil {
		return ifLabel(s)
	}
	defer in.close()
	if l, err := in.ours(alias(d.r)); err == nil && l != nil {
		return l.Attrs().Name
	}
	return ifLabel(s)
}
