package iphost

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"time"

	"github.com/omhcl/omhcl/providers"
)

// lookupFunc resolves a host name to its addresses.
type lookupFunc func(ctx context.Context, host string) ([]netip.Addr, error)

// defaultLookup asks the system resolver.
func defaultLookup(ctx context.Context, host string) ([]netip.Addr, error) {
	return net.DefaultResolver.LookupNetIP(ctx, "ip", host)
}

// resolveTimeout bounds a name lookup made where no context is given
// (Describe).
const resolveTimeout = 2 * time.Second

// address returns the address ipname designates: the literal itself, or
// the first IPv4 address the name resolves to, else its first IPv6 one. A
// successful lookup is kept for the driver's lifetime, so a plan shows one
// address throughout.
func (d *driver) address(ctx context.Context, s settings) (netip.Addr, error) {
	if ip, err := netip.ParseAddr(s.host); err == nil {
		return ip.Unmap(), nil
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.resolved.IsValid() && d.resolvedHost == s.host {
		return d.resolved, nil
	}
	addrs, err := d.lookup(ctx, s.host)
	if err != nil {
		return netip.Addr{}, fmt.Errorf("resolve ipname %q: %w", s.host, err)
	}
	ip, ok := preferIPv4(addrs)
	if !ok {
		return netip.Addr{}, fmt.Errorf("resolve ipname %q: no address", s.host)
	}
	d.resolved, d.resolvedHost = ip, s.host
	return ip, nil
}

func preferIPv4(addrs []netip.Addr) (netip.Addr, bool) {
	for _, a := range addrs {
		if a.Unmap().Is4() {
			return a.Unmap(), true
		}
	}
	for _, a := range addrs {
		if a.IsValid() {
			return a, true
		}
	}
	return netip.Addr{}, false
}

// CheckAttrs fails a plan that starts the address when ipname is a name
// this host cannot resolve. Only this host's resolver is asked: the error
// is marked Host, for plans made elsewhere than on the node. A stop is
// not checked: refusing it would keep every other resource of the service
// running too, where the stop of the rest succeeds.
func (d *driver) CheckAttrs(ctx context.Context, c providers.Check) []*providers.AttrError {
	if !c.Host || !c.Has(providers.ActStart) {
		return nil
	}
	s, err := parseSettings(d.r)
	if err != nil || !d.r.Known("ipname") {
		return nil // New refuses the first, the second is checked once known
	}
	ctx, cancel := context.WithTimeout(ctx, resolveTimeout)
	defer cancel()
	if _, err := d.address(ctx, s); err != nil {
		return []*providers.AttrError{{Attr: "ipname", Msg: err.Error(), Host: true}}
	}
	return nil
}
