package containerkvm

import (
	"context"
	"fmt"
	"slices"

	"github.com/digitalocean/go-libvirt"
	"github.com/omhcl/omhcl/providers"
)

// Drift lists the attributes the defined domain was not defined from, as
// its omhcl metadata records them: a domain redefined from another file,
// another kernel or another size. nil when it cannot tell, and for a
// domain taken as libvirt has it.
func (d *driver) Drift(ctx context.Context) []string {
	if !d.known() || d.form() == adopted {
		return nil
	}
	s, err := d.lookup(ctx)
	if err != nil || !s.defined {
		return nil
	}
	want, err := d.fingerprint()
	if err != nil {
		return nil
	}
	m, ours, err := d.readMark(ctx, s.dom)
	if err != nil || !ours {
		return nil
	}
	out := providers.ChangedKeys(m.fingerprint(), want)
	if len(out) == 0 && m.Defined != "" {
		kept, err := call(ctx, d.endpoint(), func(l *libvirt.Libvirt) (string, error) {
			return l.DomainGetXMLDesc(s.dom, libvirt.DomainXMLInactive)
		})
		if err == nil && definitionDigest(kept) != m.Defined {
			// edited by hand since the driver defined it (virsh edit)
			out = []string{"definition"}
		}
	}
	return out
}

// StrayScope is the libvirtd: the service's domains on it are listed
// once, whichever of its resources asks.
func (d *driver) StrayScope() string { return "libvirt " + d.endpoint().socket }

// Strays lists the domains whose omhcl metadata names the service but
// none of known's rids.
func (d *driver) Strays(ctx context.Context, known []string) []string {
	type found struct {
		name string
		m    mark
	}
	doms, err := call(ctx, d.endpoint(), func(l *libvirt.Libvirt) ([]found, error) {
		all, _, err := l.ConnectListAllDomains(1, 0)
		if err != nil {
			return nil, err
		}
		var out []found
		for _, dom := range all {
			if m, err := markOf(l, dom); err == nil {
				out = append(out, found{dom.Name, m})
			}
		}
		return out, nil
	})
	if err != nil {
		return nil
	}
	var out []string
	for _, f := range doms {
		if f.m.Service != d.r.Service || slices.Contains(known, f.m.RID) {
			continue
		}
		out = append(out, fmt.Sprintf("libvirt domain %s (%s) carries the metadata of %s but is no resource of the service: remove it with virsh undefine %s",
			f.name, f.m.RID, d.r.Service, f.name))
	}
	return out
}
