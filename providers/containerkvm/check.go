package containerkvm

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/omhcl/omhcl/providers"
)

var _ providers.AttrChecker = (*driver)(nil)

// checkWithin bounds the plan's question to libvirtd: a plan is not held
// by a libvirtd that hangs.
const checkWithin = 5 * time.Second

// CheckAttrs fails a plan that starts (or defines) the guest when that
// would certainly fail on this host: libvirtd does not answer at uri, the
// xml file is missing or no domain definition, a file of the short form
// is missing. Only this host sees them: the errors are marked Host, for
// plans made elsewhere than on the node.
func (d *driver) CheckAttrs(ctx context.Context, c providers.Check) []*providers.AttrError {
	if !c.Host || !d.known() || !(c.Has(providers.ActStart) || c.Has(providers.ActProvision)) {
		return nil
	}
	var errs []*providers.AttrError
	hostErr := func(attr string, err error) {
		errs = append(errs, &providers.AttrError{Attr: attr, Msg: err.Error(), Host: true})
	}
	switch d.form() {
	case fromXML:
		if _, err := d.definition(); err != nil {
			hostErr("xml", err)
		}
	case shortHand:
		for _, a := range []string{"image", "kernel", "initrd"} {
			if p := d.r.Str(a); p != "" && p != providers.Unknown {
				if _, err := os.Stat(p); err != nil {
					hostErr(a, fmt.Errorf("%s %s: %w", a, p, err))
				}
			}
		}
	}
	ctx, cancel := context.WithTimeout(ctx, checkWithin)
	defer cancel()
	if _, err := d.lookup(ctx); err != nil {
		hostErr("uri", err) // "libvirtd at SOCKET: dial unix ...: ..."
	}
	return errs
}
