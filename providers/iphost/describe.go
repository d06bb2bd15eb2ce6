package iphost

import (
	"context"
	"net/netip"
	"strconv"

	"github.com/omhcl/omhcl/providers/internal/iplink"
	"github.com/zclconf/go-cty/cty"
)

// Exposed computes ipaddr and prefix from the configuration and ipdev:
// they are known before start whenever ipname resolves, even while other
// attributes are still unknown.
func (d *driver) Exposed(ctx context.Context) map[string]cty.Value {
	out := map[string]cty.Value{"ipaddr": cty.UnknownVal(cty.String), "prefix": cty.UnknownVal(cty.Number)}
	s, err := parseSettings(d.r)
	if err != nil || !d.r.Known("ipname") {
		return out
	}
	ip, err := d.address(ctx, s)
	if err != nil {
		return out
	}
	out["ipaddr"] = cty.StringVal(ip.String())
	switch {
	case s.known:
		if p, err := d.currentPrefix(s, ip); err == nil {
			out["prefix"] = cty.NumberIntVal(int64(p))
		}
	case s.prefix != noPrefix && d.r.Known("netmask") && checkPrefix(ip, s.prefix) == nil:
		out["prefix"] = cty.NumberIntVal(int64(s.prefix))
	}
	return out
}

// currentPrefix is the prefix ip has on ipdev, or would get at start.
func (d *driver) currentPrefix(s settings, ip netip.Addr) (int, error) {
	link, err := iplink.Open(s.netns, s.dev)
	if err != nil {
		if s.prefix != noPrefix {
			return s.prefix, checkPrefix(ip, s.prefix)
		}
		return 0, err
	}
	defer link.Close()
	cur, err := link.Find(ip)
	if err != nil {
		return 0, err
	}
	return d.prefix(s, ip, link, cur)
}

// Describe is "198.18.0.10/24 br-prd web.example.com netns NAME": the
// address, ipdev, the name when ipname is one, and the namespace.
func (d *driver) Describe() string {
	s, _ := parseSettings(d.r)
	addr, name := s.ipname, ""
	if s.known {
		ctx, cancel := context.WithTimeout(context.Background(), resolveTimeout)
		defer cancel()
		if ip, err := d.address(ctx, s); err == nil {
			addr = ip.String()
			if p, err := d.currentPrefix(s, ip); err == nil {
				addr += "/" + strconv.Itoa(p)
			}
			if _, err := netip.ParseAddr(s.host); err != nil {
				name = s.ipname
			}
		}
	}
	desc := addr + " " + s.dev
	if name != "" {
		desc += " " + name
	}
	if s.netns != "" {
		desc += " netns " + s.netns
	}
	return desc
}
