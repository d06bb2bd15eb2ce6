package ipnetns

import (
	"context"
	"fmt"
	"net/netip"
	"time"

	"github.com/omhcl/omhcl/providers"
	"github.com/omhcl/omhcl/providers/internal/iplink"
)

// resolveTimeout bounds a name lookup made where no context is given.
const resolveTimeout = 2 * time.Second

// CheckStart vetoes the start when another host answers for the address
// on ipdev's network. The engine calls it only once netns is known (the
// container already up); Start probes again right before plumbing.
func (d *driver) CheckStart(ctx context.Context, log *providers.Log) error {
	s, err := d.knownSettings()
	if err != nil {
		return err
	}
	ip, err := d.res.Address(ctx, s.host)
	if err != nil {
		return fmt.Errorf("%s: %w", d.r.RID(), err)
	}
	if st := d.Status(ctx); st.State == providers.Up {
		log.Info("%s is already up in netns %s: no availability check", ip, s.netns)
		return nil
	}
	parent, err := iplink.Open("", s.parent)
	if err != nil {
		return fmt.Errorf("%s: %w", d.r.RID(), err)
	}
	defer parent.Close()
	return d.probe(ctx, log, parent, s, ip, "")
}

// probe sends the conflict probe from ipdev: the interface inside does
// not exist yet, and ipdev is on the same segment.
// when qualifies the log line ("again before plumbing").
func (d *driver) probe(ctx context.Context, log *providers.Log, parent *iplink.Link, s settings, ip netip.Addr, when string) error {
	if s.probeWait == 0 {
		log.Info("skip %s availability check: arp_probe_wait is 0s", ip)
		return nil
	}
	if skip := parent.ProbeSkipReason(); skip != "" {
		log.Info("skip %s availability check: %s", ip, skip)
		return nil
	}
	wait, why := providers.ProbeWait(ctx, s.probeWait)
	log.Info("checking %s availability on %s (%s%s)%s", ip, s.parent, wait, why, when)
	if err := parent.Probe(ctx, ip, wait); err != nil {
		return fmt.Errorf("%s: %w", d.r.RID(), err)
	}
	return nil
}

// CheckAttrs fails a plan that starts the address when ipname is a name
// this host cannot resolve (marked Host: the node may resolve it).
func (d *driver) CheckAttrs(ctx context.Context, c providers.Check) []*providers.AttrError {
	if !c.Host || !c.Has(providers.ActStart) || !d.r.Known("ipname") {
		return nil
	}
	s, err := parseSettings(d.r)
	if err != nil {
		return nil // New refuses it
	}
	ctx, cancel := context.WithTimeout(ctx, resolveTimeout)
	defer cancel()
	if _, err := d.res.Address(ctx, s.host); err != nil {
		return []*providers.AttrError{{Attr: "ipname", Msg: err.Error(), Host: true}}
	}
	return nil
}
