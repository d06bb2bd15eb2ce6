package iphost

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

// CheckStart vetoes the start when another host already answers for the
// address on ipdev's network. The error then matches providers.ErrConflict.
func (d *driver) CheckStart(ctx context.Context, log *providers.Log) error {
	s, err := d.knownSettings()
	if err != nil {
		return err
	}
	if s.probeWait == 0 {
		log.Info("skip %s availability check: arp_probe_wait is 0s", s.host)
		return nil
	}
	lv, err := d.observe(ctx, s)
	if err != nil {
		return err
	}
	defer lv.close()
	if lv.cur != nil {
		log.Info("%s is already up on %s: no availability check", lv.ip, s.dev)
		return nil
	}
	if skip := probeSkipReason(lv.link); skip != "" {
		log.Info("skip %s availability check: %s", lv.ip, skip)
		return nil
	}
	log.Info("checking %s availability (%s)", lv.ip, s.probeWait)
	return probe(ctx, lv.link, lv.ip, s.probeWait)
}

// probeSkipReason says why nothing on the network can hear a probe or an
// announcement on link, "" when sending one makes sense.
func probeSkipReason(link *hostLink) string {
	if link.iface().MAC == nil {
		return link.name + " has no ethernet address"
	}
	if !link.isUp() {
		return link.name + " is down"
	}
	return ""
}

func probe(ctx context.Context, link *hostLink, ip netip.Addr, wait time.Duration) error {
	err := arp.Probe(ctx, link.iface(), ip, wait, probeCount)
	if err == nil || errors.Is(err, providers.ErrConflict) {
		return err
	}
	return fmt.Errorf("check %s availability on %s%s: %w", ip, link.name, nsSuffix(link.nsArg), err)
}

func announceAddr(ctx context.Context, ifc arp.Iface, ip netip.Addr) error {
	return arp.Announce(ctx, ifc, ip, announceCount, announceGap)
}

// CheckAvailable probes whether ip is free on interface dev of network
// namespace netns ("" for the caller's, else a name under /run/netns or a
// path), listening for wait. It returns nil when nobody answered, an error
// matching providers.ErrConflict when another host holds or claims ip, and
// another error when the probe could not be made (dev missing, down or not
// Ethernet). An address already on dev is not a conflict.
func CheckAvailable(ctx context.Context, netns, dev string, ip netip.Addr, wait time.Duration) error {
	link, err := openLink(netns, dev)
	if err != nil {
		return err
	}
	defer link.Close()
	ip = ip.Unmap()
	if cur, err := link.find(ip); err != nil || cur != nil {
		return err
	}
	if skip := probeSkipReason(link); skip != "" {
		return fmt.Errorf("cannot check %s availability: %s", ip, skip)
	}
	return probe(ctx, link, ip, wait)
}
