package lang

import (
	"sync"

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
	// commonIndex is the position of a common slot in commonSlots.
	commonIndex int
	doc         string
	// words: a list(string) that takes one string too, split as a shell
	// would (providers.AttrSpec.Words)
	words bool
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
		words:    a.Words,
	}
}

// untypedSlot accepts any value, for blocks of planned types without
// driver; the semantic checks of well-known attributes still apply.
func untypedSlot(kind, typ, name string) *slot {
	return &slot{name: name, typ: cty.DynamicPseudoType, checks: checksFor(kind, typ, name, cty.DynamicPseudoType)}
}

// slotSet is the attributes a block accepts, in schema order.
type slotSet struct {
	list   []*slot
	byName map[string]*slot
}

// add adds s unless a slot of that name exists: a driver attribute named
// like a common one wins.
func (ss *slotSet) add(s *slot) {
	if ss.byName == nil {
		ss.byName = map[string]*slot{}
	}
	if ss.byName[s.name] == nil {
		ss.byName[s.name] = s
		ss.list = append(ss.list, s)
	}
}

func (ss *slotSet) addCommon() {
	for _, s := range commonSlots {
		ss.add(s)
	}
}

// specSlots caches the slots of each driver: they never change, and every
// block of the driver shares them read-only.
var specSlots sync.Map // *providers.Spec -> *slotSet

func slotsOfSpec(spec *providers.Spec) *slotSet {
	if v, ok := specSlots.Load(spec); ok {
		return v.(*slotSet)
	}
	set := &slotSet{}
	for _, a := range spec.Attrs {
		set.add(driverSlot(spec, a))
	}
	set.addCommon()
	v, _ := specSlots.LoadOrStore(spec, set)
	return v.(*slotSet)
}
