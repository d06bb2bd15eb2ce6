package ipnetns

import (
	"context"
	"errors"
	"fmt"

	"github.com/omhcl/omhcl/providers"
	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"
)

// Stop deletes the interface inside the namespace (a veth pair goes with
// its inside end) and any host end left over. netns may be unknown here
// (the container is already down): there is then nothing inside to
// remove.
func (d *driver) Stop(ctx context.Context, log *providers.Log) error {
	s, err := parseSettings(d.r)
	if err != nil {
		return fmt.Errorf("%s: %w", d.r.RID(), err)
	}
	if err := d.stopInside(s, log); err != nil {
		return err
	}
	if s.mode != modeBridge {
		return nil
	}
	h, err := netlink.NewHandle(unix.NETLINK_ROUTE)
	if err != nil {
		return fmt.Errorf("%s: netlink: %w", d.r.RID(), err)
	}
	defer h.Close()
	if removeHostEnd(h, d.r) {
		log.Info("removed the leftover host end %s", hostVethName(d.r))
	}
	return nil
}

func (d *driver) stopInside(s settings, log *providers.Log) error {
	if s.netns == providers.Unknown {
		log.Info("%s is already down: the container's namespace is not known", s.ipname)
		return nil
	}
	in, err := openInside(s.netns)
	if errors.Is(err, errGone) {
		log.Info("%s is already down: %v", s.ipname, err)
		return nil
	}
	if err != nil {
		return fmt.Errorf("%s: %w", d.r.RID(), err)
	}
	defer in.close()
	l, err := in.ours(alias(d.r))
	if err != nil {
		return fmt.Errorf("%s: %w", d.r.RID(), err)
	}
	if l == nil {
		log.Info("%s is already down in netns %s", s.ipname, s.netns)
		return nil
	}
	log.Op("%s", linkDelCommand(s, l.Attrs().Name))
	if err := in.h.LinkDel(l); err != nil {
		return fmt.Errorf("%s: delete %s in netns %s: %w", d.r.RID(), l.Attrs().Name, s.netns, err)
	}
	return nil
}

// Provision has nothing to do: an address needs no preparation.
func (d *driver) Provision(ctx context.Context, log *providers.Log) error { return nil }

// Unprovision has nothing to do either.
func (d *driver) Unprovision(ctx context.Context, log *providers.Log) error { return nil }
