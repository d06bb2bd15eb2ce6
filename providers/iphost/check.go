package iphost

import (
	"context"
	"fmt"
	"net/netip"
	"time"

	"github.com/omhcl/omhcl/providers"
	"github.com/omhcl/omhcl/providers/internal/iplink"
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
	if skip := lv.link.ProbeSkipReason(); skip != "" {
		log.Info("skip %s availability check: %s", lv.ip, skip)
		return nil
	}
	wait, why := providers.ProbeWait(ctx, s.probeWait)
	log.Info("checking %s availability (%s%s)", lv.ip, wait, why)
	return lv.link.Probe(ctx, lv.ip, wait)
}

// CheckAvailable probes whether ip is free on interface dev of network
// namespace netns ("" for the caller's, else a name under /run/netns or a
// path), listening for wait. It returns nil when nobody answered, an error
// matching providers.ErrConflict when another host holds or claims ip, and
// another error when the probe could not be made (dev missing, down or not
// Ethernet). An address already on dev is not a conflict.
func CheckAvailable(ctx context.Context, netns, dev string, ip netip.Addr, wait time.Duration) error {
	link, err := iplink.Open(netns, dev)
	if err != nil {
		return err
	}
	defer link.Close()
	ip = ip.Unmap()
	if cur, err := link.Find(ip); err != nil || cur != nil {
		return err
	}
	if skip := link.ProbeSkipReason(); skip != "" {
		return fmt.Errorf("cannot check %s availability: %s", ip, skip)
	}
	return link.Probe(ctx, ip, wait)
}
