package ipnetns

import (
	"context"
	"errors"
	"fmt"

	"github.com/omhcl/omhcl/providers"
	"github.com/omhcl/omhcl/providers/internal/ipaddr"
	"github.com/omhcl/omhcl/providers/internal/iplink"
)

var (
	_ providers.StartChecker = (*driver)(nil)
	_ providers.AttrChecker  = (*driver)(nil)
)

// driver works on ipdev in the caller's network namespace (the engine's)
// and on the interface it creates in netns.
type driver struct {
	r   *providers.Resource
	res ipaddr.Resolver
}

// knownSettings returns the settings of a resource about to be started,
// whose attributes must all be known by then.
func (d *driver) knownSettings() (settings, error) {
	s, err := parseSettings(d.r)
	return s, providers.Unready(d.r, err, s.known)
}

func (d *driver) Status(ctx context.Context) providers.Status {
	s, err := parseSettings(d.r)
	if err != nil {
		return down(err.Error())
	}
	if !s.known {
		return down()
	}
	ip, err := d.res.Address(ctx, s.host)
	if err != nil {
		return down(err.Error())
	}
	in, err := openInside(s.netns)
	if err != nil {
		return down(err.Error())
	}
	defer in.close()
	l, err := in.ours(alias(d.r))
	if err != nil || l == nil {
		return down(errMsgs(err)...)
	}
	name := l.Attrs().Name
	if has, err := in.hasAddr(l, ip); err != nil || !has {
		return down(append(errMsgs(err), fmt.Sprintf("%s is not on %s in netns %s", ip, name, s.netns))...)
	}
	if !isUp(l) {
		return down(fmt.Sprintf("%s is down in netns %s", name, s.netns))
	}
	return providers.Status{State: providers.Up}
}

func down(msgs ...string) providers.Status {
	return providers.Status{State: providers.Down, Messages: msgs}
}

func errMsgs(err error) []string {
	if err == nil {
		return nil
	}
	return []string{err.Error()}
}

func (d *driver) Start(ctx context.Context, log *providers.Log) error {
	s, err := d.knownSettings()
	if err != nil {
		return err
	}
	p, err := d.prepare(ctx, s, log)
	if err != nil || p == nil {
		return err
	}
	defer p.close()
	// CheckStart may have probed already, but the container start may
	// have come between: probe right before claiming.
	if err := d.probe(ctx, log, p.parent, s, p.ip, " before plumbing"); err != nil {
		return err
	}
	if err := p.plumb(); err != nil {
		p.undo()
		return fmt.Errorf("%s: %w", d.r.RID(), err)
	}
	p.announce(ctx)
	return nil
}

// prepare opens the namespace and ipdev; nil when the address is already
// up. A half-made interface from an interrupted start is removed first.
func (d *driver) prepare(ctx context.Context, s settings, log *providers.Log) (*plumbing, error) {
	ip, err := d.res.Address(ctx, s.host)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", d.r.RID(), err)
	}
	in, err := openInside(s.netns)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", d.r.RID(), err)
	}
	if l, err := in.ours(alias(d.r)); err != nil || l != nil {
		if err == nil {
			if has, _ := in.hasAddr(l, ip); has && isUp(l) {
				log.Info("%s is already up on %s in netns %s", ip, l.Attrs().Name, s.netns)
				in.close()
				return nil, nil
			}
			log.Op("%s", linkDelCommand(s, l.Attrs().Name))
			err = in.h.LinkDel(l)
		}
		if err != nil {
			in.close()
			return nil, fmt.Errorf("%s: remove the half-made %s: %w", d.r.RID(), l.Attrs().Name, err)
		}
	}
	parent, err := iplink.Open("", s.parent)
	if err != nil {
		in.close()
		return nil, fmt.Errorf("%s: %w", d.r.RID(), err)
	}
	return &plumbing{d: d, s: s, ip: ip, parent: parent, in: in, ifname: s.ifname, log: log}, nil
}

func (p *plumbing) close() {
	p.parent.Close()
	p.in.close()
}

// plumb creates and configures the inside interface.
func (p *plumbing) plumb() error {
	if p.ifname == "" {
		links, err := p.in.h.LinkList()
		if err != nil {
			return fmt.Errorf("list links in netns %s: %w", p.s.netns, err)
		}
		p.ifname = nextEth(links)
	}
	if err := p.createLink(); err != nil {
		return err
	}
	p.created = true
	return p.configure(p.s.prefix)
}

// announce sends gratuitous ARP from inside the namespace. Best effort:
// the address is up either way.
func (p *plumbing) announce(ctx context.Context) {
	l, err := iplink.Open(p.s.netns, p.ifname)
	if err == nil {
		defer l.Close()
		if skip := l.ProbeSkipReason(); skip != "" {
			err = errors.New(skip)
		}
	}
	if err == nil {
		p.log.Info("send gratuitous %s to announce %s is at %s in netns %s", iplink.Protocol(p.ip), p.ip, p.ifname, p.s.netns)
		err = l.Announce(ctx, p.ip)
	}
	if err != nil {
		p.log.Info("warning: no announcement for %s: %v", p.ip, err)
	}
}
