package lang

import (
	"github.com/omhcl/omhcl/providers"
	_ "github.com/omhcl/omhcl/providers/all" // the real drivers, for the examples
	"github.com/zclconf/go-cty/cty"
)

// Test drivers, under "lt" types no real driver uses, so the language tests
// do not depend on the real drivers' schemas.
func init() {
	str := func(name string, required bool) providers.AttrSpec {
		return providers.AttrSpec{Name: name, Type: cty.String, Required: required}
	}
	devs := providers.AttrSpec{Name: "exposed_devs", Type: cty.List(cty.String)}
	for _, s := range []*providers.Spec{
		{Kind: "ip", Type: "ltip", Attrs: []providers.AttrSpec{
			str("ipname", true), str("ipdev", true), str("netmask", false), str("gateway", false),
			{Name: "probe_wait", Type: cty.String, Default: cty.StringVal("1s")},
		}, Exposed: []providers.AttrSpec{{Name: "ipaddr", Type: cty.String}}},
		{Kind: "disk", Type: "ltvg", Attrs: []providers.AttrSpec{str("name", true)}, Exposed: []providers.AttrSpec{devs}},
		{Kind: "disk", Type: "ltlv", Attrs: []providers.AttrSpec{str("name", true), str("vg", true), str("size", false)},
			Exposed: []providers.AttrSpec{devs}},
		{Kind: "fs", Type: "ltfs", Attrs: []providers.AttrSpec{
			str("dev", false), str("mnt", true),
			{Name: "check", Type: cty.Bool, Default: cty.True},
			{Name: "opts", Type: cty.List(cty.String)},
		}},
		{Kind: "app", Type: "ltapp", Attrs: []providers.AttrSpec{
			str("start", true), str("stop", false), str("check", false),
			{Name: "timeout", Type: cty.String, Default: cty.StringVal("60s")},
			{Name: "env", Type: cty.Map(cty.String)},
			{Name: "retries", Type: cty.Number, Default: cty.NumberIntVal(3)},
		}},
	} {
		providers.Register(s)
	}
}
