package ipaddr

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"sync"
)

// LookupFunc resolves a host name to its addresses.
type LookupFunc func(ctx context.Context, host string) ([]netip.Addr, error)

// DefaultLookup asks the system resolver.
func DefaultLookup(ctx context.Context, host string) ([]netip.Addr, error) {
	return net.DefaultResolver.LookupNetIP(ctx, "ip", host)
}

// Resolver turns ipname's host into an address. A successful lookup is
// kept for the resolver's lifetime, so a plan shows one address
// throughout.
type Resolver struct {
	Lookup LookupFunc

	mu           sync.Mutex
	resolved     netip.Addr
	resolvedHost string
}

// Address returns the literal host itself, or the first IPv4 address the
// name resolves to, else its first IPv6 one.
func (r *Resolver) Address(ctx context.Context, host string) (netip.Addr, error) {
	if ip, err := netip.ParseAddr(host); err == nil {
		return ip.Unmap(), nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.resolved.IsValid() && r.resolvedHost == host {
		return r.resolved, nil
	}
	lookup := r.Lookup
	if lookup == nil {
		lookup = DefaultLookup
	}
	addrs, err := lookup(ctx, host)
	if err != nil {
		return netip.Addr{}, fmt.Errorf("resolve ipname %q: %w", host, err)
	}
	ip, ok := preferIPv4(addrs)
	if !ok {
		return netip.Addr{}, fmt.Errorf("resolve ipname %q: no address", host)
	}
	r.resolved, r.resolvedHost = ip, host
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
