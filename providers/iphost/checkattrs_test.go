package iphost

import (
	"context"
	"errors"
	"net/netip"
	"slices"
	"strings"
	"testing"

	"github.com/omhcl/omhcl/providers"
	"github.com/omhcl/omhcl/providers/internal/ipaddr"
)

// TestCheckAttrsResolve: a name this host cannot resolve fails the checks
// of a plan that starts the address, marked as this host's view; the
// operations name the address instead of reading as an error.
func TestCheckAttrsResolve(t *testing.T) {
	d := &driver{r: resource(map[string]string{"ipname": "web.invalid", "ipdev": "br0", "netmask": "24"}),
		res: ipaddr.Resolver{Lookup: func(ctx context.Context, host string) ([]netip.Addr, error) {
			return nil, errors.New("no such host")
		}}}
	ctx := context.Background()
	start := []providers.Action{providers.ActStart}
	errs := d.CheckAttrs(ctx, providers.Check{Actions: start, Host: true})
	if len(errs) != 1 || errs[0].Attr != "ipname" || !errs[0].Host || !strings.Contains(errs[0].Msg, `resolve ipname "web.invalid"`) {
		t.Errorf("CheckAttrs(start) = %v, want a host-marked ipname error", errs)
	}
	if errs := d.CheckAttrs(ctx, providers.Check{Actions: start}); errs != nil {
		t.Errorf("CheckAttrs without host checks = %v, want none", errs)
	}
	ops := d.Operations(ctx, providers.ActStart)
	want := []string{
		"arp probe (address of web.invalid) on br0 (300ms), abort on answer",
		"ip addr add (address of web.invalid)/24 dev br0",
		"arp announce (address of web.invalid) on br0",
	}
	if !slices.Equal(ops, want) {
		t.Errorf("Operations(start) = %q, want %q", ops, want)
	}
}

// TestRefusalNamesTheAttribute: New's refusal says which attribute is bad.
func TestRefusalNamesTheAttribute(t *testing.T) {
	errs := providers.CheckResource(context.Background(), resource(map[string]string{"ipname": "198.18.0.10", "ipdev": "br0", "netmask": "wide"}), providers.Check{})
	if len(errs) != 1 || errs[0].Attr != "netmask" {
		t.Errorf("CheckResource with a bad netmask = %v, want one netmask error", errs)
	}
}
