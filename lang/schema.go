package lang

import (
	"github.com/omhcl/omhcl/providers"
	"github.com/zclconf/go-cty/cty"
)

// SettingType returns the type of a service attribute (nodes, orchestrate,
// ...); false when the service block takes no such attribute.
func SettingType(name string) (cty.Type, bool) {
	if st := settingByName[name]; st != nil {
		return st.typ, true
	}
	return cty.NilType, false
}

// AttributeType returns the type of an attribute of a KIND "NAME" block
// of type typ ("" for the kind's default): the driver's attributes and
// the common ones. A type without driver (container.xen) takes any
// attribute, untyped (cty.DynamicPseudoType). false when the block takes
// no such attribute, or kind.typ is no known type.
func AttributeType(kind, typ, name string) (cty.Type, bool) {
	if name == dependsOnAttr {
		return cty.List(cty.DynamicPseudoType), true
	}
	if spec, ok := providers.Lookup(kind, typ); ok {
		if sl := slotsOfSpec(spec).byName[name]; sl != nil {
			return sl.typ, true
		}
		return cty.NilType, false
	}
	if unsupported(kind, typ) != "" {
		for _, c := range commonSlots {
			if c.name == name {
				return c.typ, true
			}
		}
		return cty.DynamicPseudoType, true
	}
	return cty.NilType, false
}

// AttributeNames lists what a KIND "NAME" block of type typ accepts, in
// schema order: the driver's attributes, then the common ones.
func AttributeNames(kind, typ string) []string {
	spec, ok := providers.Lookup(kind, typ)
	if !ok {
		return nil
	}
	set := slotsOfSpec(spec)
	out := make([]string, len(set.list))
	for i, sl := range set.list {
		out[i] = sl.name
	}
	return out
}

// IsDuration says whether an attribute of that name is checked as a
// duration ("5s", "1m30s"): the naming convention of timeouts and delays.
func IsDuration(name string) bool { return isDurationName(name) }
