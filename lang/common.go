package lang

import (
	"slices"
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
	c := providers.Common{DependsOn: dependsOn}
	for i, sl := range commonSlots {
		switch v := vals[i]; sl.name {
		case "disable":
			c.Disable = boolOf(v)
		case "optional":
			c.Optional = boolOf(v)
		case "monitor":
			c.Monitor = boolOf(v)
		case "standby":
			c.Standby = boolOf(v)
		case "encap":
			c.Encap = boolOf(v)
		case "provision":
			c.Provision = boolOf(v)
		case "restart":
			c.Restart = intOf(v)
		case "tags":
			c.Tags = stringsOf(v)
		case "restart_delay":
			if s := stringOf(v); s != "" {
				c.RestartDelay, _ = time.ParseDuration(s) // checked by checkDuration
			}
		}
	}
	if slices.Contains(c.Tags, "encap") {
		c.Encap = true
	}
	return c
}
