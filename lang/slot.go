package lang

import (
	"github.com/omhcl/omhcl/providers"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"
)

// checkFunc validates a known, non-null, converted value. attrs holds the
// other attributes of the same block (some may be unknown), for checks that
// depend on them (a netmask's family depends on the ipname).
type checkFunc func(v cty.Value, attrs map[string]cty.Value) error

// slot is an attribute a body accepts: its type, default and checks.
type slot struct {
	name     string
	typ      cty.Type
	required bool
	def      cty.Value // cty.NilVal: null when absent
	checks   []checkFunc
	common   bool
	doc      string
}

// absent is the value of the slot when the node gets no assignment.
func (sl *slot) absent() cty.Value {
	if sl.def != cty.NilVal {
		return sl.def
	}
	return cty.NullVal(sl.typ)
}

// driverSlot turns a driver's AttrSpec into a slot, with the semantic checks
// lang knows for this kind.type.attr.
func driverSlot(spec *providers.Spec, a providers.AttrSpec) *slot {
	typ := a.Type
	if typ == cty.NilType {
		typ = cty.DynamicPseudoType
	}
	def := a.Default
	if def != cty.NilVal && !def.IsNull() {
		if cv, err := convert.Convert(def, typ); err == nil {
			def = cv
		}
	}
	return &slot{
		name:     a.Name,
		typ:      typ,
		required: a.Required,
		def:      def,
		checks:   checksFor(spec.Kind, spec.Type, a.Name, typ),
		doc:      a.Doc,
	}
}

// untypedSlot accepts any value, for blocks of planned types without
// driver; the semantic checks of well-known attributes still apply.
func untypedSlot(kind, typ, name string) *slot {
	return &slot{name: name, typ: cty.DynamicPseudoType, checks: checksFor(kind, typ, name, cty.DynamicPseudoType)}
}
