package ipaddr

import (
	"github.com/omhcl/omhcl/providers"
	"github.com/zclconf/go-cty/cty"
)

// Exposed are the attributes both ip drivers expose to references.
func Exposed() []providers.AttrSpec {
	return []providers.AttrSpec{
		{Name: "ipaddr", Type: cty.String, Doc: "The address ipname resolves to."},
		{Name: "prefix", Type: cty.Number, Doc: "The prefix length of the address."},
	}
}
