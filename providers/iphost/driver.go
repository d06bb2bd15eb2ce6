package iphost

import (
	"context"
	"errors"
	"fmt"
	"net/netip"

	"github.com/omhcl/omhcl/providers"
	"github.com/omhcl/omhcl/providers/internal/ipaddr"
	"github.com/omhcl/omhcl/providers/internal/iplink"
	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"
)

var (
	_ providers.StartChecker = (*driver)(nil)
	_ providers.AttrChecker  = (*driver)(nil)
)

type driver struct {
	r   *providers.Resource
	res ipaddr.Resolver
}

// live is the resource as the system shows it now.
type live struct {
	s    settings
	ip   netip.Addr
	link *iplink.Link
	cur  *netlink.Addr // ip as configured on ipdev, nil when down
}

func (lv *live) close() { lv.link.Close() }

// observe resolves the address and looks at ipdev. The caller closes the
// result.
func (d *driver) observe(ctx context.Context, s settings) (*live, error) {
	ip, err := d.address(ctx, s)
	if err != nil {
		return nil, err
	}
	link, err := iplink.Open(s.netns, s.dev)
	if err != nil {
		return nil, err
	}
	cur, err := link.Find(ip)
	if err != nil {
		link.Close()
		return nil, err
	}
	return &live{s: s, ip: ip, link: link, cur: cur}, nil
}

// knownSettings returns the settings of a resource about to be acted on,
// whose attributes must all be known by then.
func (d *driver) knownSettings() (settings, error) {
	s, err := parseSettings(d.r)
	return s, providers.Unready(d.r, err, s.known)
}

// prefix is the prefix length to give ip: the one it has on ipdev if up,
// else ipname's /len or netmask, else that of an address of ipdev in the
// same subnet. link may be nil when ipdev is not at hand.
func (d *driver) prefix(s settings, ip netip.Addr, link *iplink.Link, cur *netlink.Addr) (int, error) {
	if cur != nil {
		ones, _ := cur.Mask.Size()
		return ones, nil
	}
	if s.prefix != noPrefix {
		return s.prefix, checkPrefix(ip, s.prefix)
	}
	if link == nil {
		l, err := iplink.Open(s.netns, s.dev)
		if err != nil {
			return 0, err
		}
		defer l.Close()
		link = l
	}
	ones, ok, err := link.SubnetPrefix(ip)
	if err != nil {
		return 0, err
	}
	if !ok {
		return 0, fmt.Errorf("netmask required: no address on %s in the same subnet as %s", s.dev, ip)
	}
	return ones, nil
}

func (d *driver) Status(ctx context.Context) providers.Status {
	s, err := parseSettings(d.r)
	if err != nil {
		return providers.Status{State: providers.Down, Messages: []string{err.Error()}}
	}
	if !s.known {
		return providers.Status{State: providers.Down}
	}
	lv, err := d.observe(ctx, s)
	if err != nil {
		return providers.Status{State: providers.Down, Messages: []string{err.Error()}}
	}
	defer lv.close()
	if lv.cur == nil {
		return providers.Status{State: providers.Down}
	}
	var msgs []string
	if s.checkCarrier {
		msgs = lv.link.CarrierProblems()
	}
	if lv.cur.Flags&unix.IFA_F_DADFAILED != 0 {
		msgs = append(msgs, fmt.Sprintf("duplicate address detection failed for %s on %s", lv.ip, s.dev))
	}
	if len(msgs) > 0 {
		return providers.Status{State: providers.Warn, Messages: msgs}
	}
	return providers.Status{State: providers.Up}
}

func (d *driver) Start(ctx context.Context, log *providers.Log) error {
	s, err := d.knownSettings()
	if err != nil {
		return err
	}
	lv, err := d.observe(ctx, s)
	if err != nil {
		return err
	}
	defer lv.close()
	if lv.cur != nil {
		log.Info("%s is already up on %s", lv.cur.IPNet, s.dev)
		return nil
	}
	prefix, err := d.prefix(s, lv.ip, lv.link, nil)
	if err != nil {
		return err
	}
	addr := &netlink.Addr{IPNet: iplink.IPNet(lv.ip, prefix)}
	if lv.ip.Is6() {
		// The conflict probe already did duplicate address detection; the
		// kernel's would keep the address unusable for a second more.
		addr.Flags = unix.IFA_F_NODAD
	}
	log.Op("%s", addCommand(s, addr.IPNet.String(), lv.ip.Is6()))
	if err := lv.link.H.AddrAdd(lv.link.L, addr); err != nil && !errors.Is(err, unix.EEXIST) {
		return fmt.Errorf("add %s to %s%s: %w", addr.IPNet, s.dev, iplink.NsSuffix(s.netns), err)
	}
	d.announce(ctx, log, lv)
	return nil
}

// announce tells the neighbours the address moved here. It is best
// effort: the address is up either way and neighbours re-resolve stale
// entries in time, so a failure is logged, not returned.
func (d *driver) announce(ctx context.Context, log *providers.Log, lv *live) {
	if skip := lv.link.ProbeSkipReason(); skip != "" {
		log.Info("no announcement for %s: %s", lv.ip, skip)
		return
	}
	if lv.ip.Is4() {
		log.Info("send gratuitous arp to announce %s is at %s", lv.ip, lv.s.dev)
	} else {
		log.Info("send unsolicited neighbor advertisement to announce %s is at %s", lv.ip, lv.s.dev)
	}
	if err := lv.link.Announce(ctx, lv.ip); err != nil {
		log.Info("warning: %v", err)
	}
}

func (d *driver) Stop(ctx context.Context, log *providers.Log) error {
	s, err := d.knownSettings()
	if err != nil {
		return err
	}
	lv, err := d.observe(ctx, s)
	if errors.Is(err, iplink.ErrNoDev) {
		log.Info("%s is already down: %v", s.host, err)
		return nil
	}
	if err != nil {
		return err
	}
	defer lv.close()
	if lv.cur == nil {
		log.Info("%s is already down on %s", lv.ip, s.dev)
		return nil
	}
	log.Op("%s", delCommand(s, lv.cur.IPNet.String()))
	if err := lv.link.H.AddrDel(lv.link.L, lv.cur); err != nil && !errors.Is(err, unix.EADDRNOTAVAIL) {
		return fmt.Errorf("delete %s from %s%s: %w", lv.cur.IPNet, s.dev, iplink.NsSuffix(s.netns), err)
	}
	return nil
}

// Provision has nothing to do: an address needs no preparation.
func (d *driver) Provision(ctx context.Context, log *providers.Log) error { return nil }

// Unprovision has nothing to do either.
func (d *driver) Unprovision(ctx context.Context, log *providers.Log) error { return nil }
