package plan

import (
	"slices"
	"testing"

	"github.com/omhcl/omhcl/lang"
	"github.com/omhcl/omhcl/providers"
)

// The node drops, for a container sharing its network, the resources of
// the level inside whose driver declares an address, whatever their kind.
func TestAddressesOfFollowTheCapability(t *testing.T) {
	providers.Register(&providers.Spec{Kind: "planvip", Type: "x", Address: true})
	encap := providers.Common{Encap: true}
	inst := &lang.Instance{Resources: []*providers.Resource{
		{Kind: "planvip", Type: "x", Name: "a", Common: encap},
		{Kind: "ip", Type: "host", Name: "b", Common: encap},
		{Kind: "app", Type: "simple", Name: "c", Common: encap},
		{Kind: "ip", Type: "host", Name: "d"}, // the node's own
	}}
	if got := addressesOf(inst, nil); !slices.Equal(got, []string{"planvip#a", "ip#b"}) {
		t.Fatalf("addresses of the level inside: %q", got)
	}
	if got := addressesOf(inst, []string{"ip#b", "app#c"}); !slices.Equal(got, []string{"ip#b"}) {
		t.Fatalf("addresses of a subset: %q", got)
	}
}
