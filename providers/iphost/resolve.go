package iphost

import (
	"context"
	"net/netip"
	"time"

	"github.com/omhcl/omhcl/providers"
)

// resolveTimeout bounds a name lookup made where no context is given
// (Describe).
const resolveTimeout = 2 * time.Second

// address returns the address ipname designates (see ipaddr.Resolver).
func (d *driver) address(ctx context.Context, s settings) (netip.Addr, error) {
	return d.res.Address(ctx, s.host)
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
