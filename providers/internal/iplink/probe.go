package iplink

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"time"

	"github.com/omhcl/omhcl/providers"
	"github.com/omhcl/omhcl/providers/internal/arp"
)

// probeCount is how many probes the conflict check sends, spread over its
// wait: one lost packet does not hide a holder.
const probeCount = 3

// Announcements: two, a little apart, as one may be lost.
const (
	announceCount = 2
	announceGap   = 50 * time.Millisecond
)

// ProbeSkipReason says why nothing on the network can hear a probe or an
// announcement on the link, "" when sending one makes sense.
func (l *Link) ProbeSkipReason() string {
	if l.Iface().MAC == nil {
		return l.Name + " has no ethernet address"
	}
	if !l.IsUp() {
		return l.Name + " is down"
	}
	return ""
}

// Probe checks that nobody else answers for ip on the link within wait.
// A holder is an error matching providers.ErrConflict.
func (l *Link) Probe(ctx context.Context, ip netip.Addr, wait time.Duration) error {
	err := arp.Probe(ctx, l.Iface(), ip, wait, probeCount)
	if err == nil || errors.Is(err, providers.ErrConflict) {
		return err
	}
	return fmt.Errorf("check %s availability on %s%s: %w", ip, l.Name, NsSuffix(l.NsArg), err)
}

// Announce sends gratuitous ARP (IPv4) or unsolicited advertisements
// (IPv6) for ip from the link.
func (l *Link) Announce(ctx context.Context, ip netip.Addr) error {
	return arp.Announce(ctx, l.Iface(), ip, announceCount, announceGap)
}

// Protocol names the neighbour protocol of ip: arp, or ndp for IPv6.
func Protocol(ip netip.Addr) string {
	if ip.Is6() {
		return "ndp"
	}
	return "arp"
}
