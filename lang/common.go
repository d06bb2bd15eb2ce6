package lang

import (
	"time"

	"github.com/omhcl/omhcl/providers"
	"github.com/zclconf/go-cty/cty"
)

// dependsOnAttr is the common attribute holding explicit dependencies. It
// is a list of references (fs.app), read statically, never evaluated.
const dependsOnAttr = "depends_on"

// commonSlots are the attributes every resource accepts, whatever its driver.
var commonSlots = []*slot{
	{name: "disable", typ: cty.Bool, def: cty.False, common: true},
	{name: "optional", typ: cty.Bool, def: cty.False, common: true},
	{name: "monitor", typ: cty.Bool, def: cty.False, common: true},
	{name: "standby", typ: cty.Bool, def: cty.False, common: true},
	{name: "encap", typ: cty.Bool, def: cty.False, common: true},
	{name: "provision", typ: cty.Bool, def: cty.True, common: true},
	{name: "restart", typ: cty.Number, def: cty.Zero, common: true, checks: []checkFunc{checkCount}},
	{name: "restart_delay", typ: cty.String, common: true, checks: []checkFunc{checkDuration}},
	{name: "tags", typ: cty.List(cty.String), def: cty.ListValEmpty(cty.String), common: true, checks: []checkFunc{checkNoNullElements}},
}

func init() {
	for i, s := range commonSlots {
		s.commonIndex = i
	}
}

var commonNames = func() map[string]bool {
	m := map[string]bool{dependsOnAttr: true}
	for _, s := range commonSlots {
		m[s.name] = true
	}
	return m
}()

// commonFrom fills providers.Common from the evaluated, wholly known common
// attribute values (in commonSlots' order). A resource is encap when encap =
// true or tagged "encap", as the seeds tag encapsulated resources.
func commonFrom(vals []cty.Value, dependsOn []string) providers.Common {
	get := func(name string) cty.Value {
		for i, c := range commonSlots {
			if c.name == name {
				return vals[i]
			}
		}
		return cty.NilVal
	}
	c := providers.Common{
		Disable:   boolOf(get("disable")),
		Optional:  boolOf(get("optional")),
		Monitor:   boolOf(get("monitor")),
		Standby:   boolOf(get("standby")),
		Encap:     boolOf(get("encap")),
		Provision: boolOf(get("provision")),
		Restart:   intOf(get("restart")),
		Tags:      stringsOf(get("tags")),
		DependsOn: dependsOn,
	}
	if s := stringOf(get("restart_delay")); s != "" {
		c.RestartDelay, _ = time.ParseDuration(s) // checked by checkDuration
	}
	for _, t := range c.Tags {
		if t == "encap" {
			c.Encap = true
		}
	}
	return c
}
