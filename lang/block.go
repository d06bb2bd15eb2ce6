package lang

import (
	"fmt"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/omhcl/omhcl/providers"
	"github.com/zclconf/go-cty/cty"
)

// Block is one resource block of a service: KIND "NAME" { ... }.
type Block struct {
	Kind string
	Name string
	// Type is the driver type: the written one, or the kind's default.
	Type string
	// Spec is the driver. It is nil when Unsupported, and when the type
	// could not be resolved (an error was reported).
	Spec *providers.Spec
	// Unsupported marks a type of the seeds without driver (container.xen):
	// its attributes are carried untyped and it cannot be started.
	Unsupported bool
	DeclRange hcl.Range

	rid        string // Kind#Name, once the name is read
	index      int    // declaration order in the service
	rank       int    // index of Kind in providers.KindOrder
	attrs      scopedAttrs
	slots      []*slot
	slotByName map[string]*slot
	// refs are the blocks this one refers to, sorted; byKind groups them
	// to build evaluation contexts.
	refs   []int
	byKind []kindRefs
	// What other blocks read of this one: the named attributes, or the
	// whole object (disk.vg, values(disk)). Evaluate builds only that.
	refAttrs []string
	wholeRef bool
}

type kindRefs struct {
	kind   string
	blocks []int
}

// RID is the resource id: "fs#app".
func (b *Block) RID() string {
	if b.rid == "" { // a Block not made by decodeBlock
		return b.Kind + "#" + b.Name
	}
	return b.rid
}

func kindRank(kind string) int {
	for i, k := range providers.KindOrder {
		if k == kind {
			return i
		}
	}
	return len(providers.KindOrder)
}

// decodeBlock reads a resource block: its name, type, attributes and on
// blocks, checked against the driver's schema.
func decodeBlock(hb *hclsyntax.Block, index int) (*Block, hcl.Diagnostics) {
	b := &Block{Kind: hb.Type, DeclRange: hb.DefRange(), index: index, rank: kindRank(hb.Type)}
	diags := b.readName(hb)
	b.attrs.readBase(hb.Body)
	for _, nested := range hb.Body.Blocks {
		if nested.Type == "on" {
			diags = append(diags, b.attrs.readScope(nested)...)
			continue
		}
		diags = append(diags, errorf(nested.DefRange(), "Unexpected block in resource",
			"A %s block only holds attributes and on blocks; %s blocks are declared directly in the service.", b.Kind, nested.Type))
	}
	typeRange, d := b.readType()
	diags = append(diags, d...)
	diags = append(diags, b.resolveDriver(typeRange)...)
	b.buildSlots()
	diags = append(diags, b.checkAttrNames()...)
	diags = append(diags, b.checkRequired()...)
	return b, diags
}

func (b *Block) readName(hb *hclsyntax.Block) hcl.Diagnostics {
	if len(hb.Labels) != 1 {
		return hcl.Diagnostics{errorf(hb.DefRange(), "Invalid resource block",
			"A %s block takes exactly one label, its name, as in %s \"main\" { ... }.", hb.Type, hb.Type)}
	}
	b.Name = hb.Labels[0]
	b.rid = b.Kind + "#" + b.Name
	if !validName(b.Name) {
		return hcl.Diagnostics{errorf(hb.LabelRanges[0], "Invalid resource name",
			"%q is not a valid resource name: it must match %s.", b.Name, namePattern)}
	}
	return nil
}

// readType reads the static type attribute and removes it from the
// attributes: the schema depends on it, so it cannot be an expression nor
// be scoped.
func (b *Block) readType() (hcl.Range, hcl.Diagnostics) {
	var diags hcl.Diagnostics
	for _, sc := range b.attrs.scopes {
		if a := sc.attrs.get("type"); a != nil {
			diags = append(diags, errorf(a.NameRange, "Type cannot be scoped",
				"The type of %s selects its driver and schema: set it once, outside on blocks.", b.RID()))
		}
	}
	a := b.attrs.base.get("type")
	b.attrs.remove("type")
	if a == nil {
		return b.DeclRange, diags
	}
	v, d := a.Expr.Value(nil)
	if d.HasErrors() || !v.IsKnown() || v.IsNull() || v.Type() != cty.String {
		return a.Range, append(diags, errorIn(a.Expr.Range(), a.Range, "Invalid resource type",
			"The type of a resource must be a literal string, like type = \"ext4\": the attributes it accepts depend on it."))
	}
	b.Type = v.AsString()
	return a.Expr.Range(), diags
}

// resolveDriver finds the driver of kind.type, or accepts an unsupported
// type of the seeds with a warning.
func (b *Block) resolveDriver(typeRange hcl.Range) hcl.Diagnostics {
	if spec, ok := providers.Lookup(b.Kind, b.Type); ok {
		b.Spec, b.Type = spec, spec.Type
		return nil
	}
	if why := unsupported(b.Kind, b.Type); why != "" {
		b.Unsupported = true
		return hcl.Diagnostics{{
			Severity: hcl.DiagWarning,
			Summary:  fmt.Sprintf("No driver for %s.%s", b.Kind, b.Type),
			Detail:   fmt.Sprintf("%s.%s is not supported: %s. The resource %s is parsed and carried but cannot be started.", b.Kind, b.Type, why, b.RID()),
			Subject:  typeRange.Ptr(),
		}}
	}
	known := providers.Types(b.Kind)
	others := UnsupportedTypes(b.Kind)
	candidates := append(append([]string(nil), known...), others...)
	switch {
	case len(known) == 0 && len(others) > 0:
		return hcl.Diagnostics{errorf(typeRange, fmt.Sprintf("No driver for kind %s", b.Kind),
			"No driver for kind %s: only the unsupported types %s are accepted (parsed and carried, not started).%s",
			b.Kind, quotedList(others), didYouMean(b.Type, others))}
	case len(known) == 0:
		return hcl.Diagnostics{errorf(typeRange, fmt.Sprintf("No driver for kind %s yet", b.Kind),
			"No driver for kind %s yet: %s cannot be used.", b.Kind, b.RID())}
	case b.Type == "":
		return hcl.Diagnostics{errorf(typeRange, "Missing resource type",
			"%s blocks have no default type: set type to one of %s.", b.Kind, quotedList(candidates))}
	}
	return hcl.Diagnostics{errorf(typeRange, "Unknown resource type",
		"There is no %s type %q; the known types are %s.%s", b.Kind, b.Type, quotedList(candidates), didYouMean(b.Type, candidates))}
}

// buildSlots lists the attributes the block accepts: the driver's (or, with
// no driver, every attribute written, untyped) and the common ones.
func (b *Block) buildSlots() {
	if b.Spec != nil {
		set := slotsOfSpec(b.Spec)
		b.slots, b.slotByName = set.list, set.byName
		return
	}
	var set slotSet
	for _, n := range b.attrs.names {
		if !commonNames[n] {
			set.add(untypedSlot(b.Kind, b.Type, n))
		}
	}
	set.addCommon()
	b.slots, b.slotByName = set.list, set.byName
}

func (b *Block) typeKey() string { return b.Kind + "." + b.Type }

func (b *Block) checkAttrNames() hcl.Diagnostics {
	var diags hcl.Diagnostics
	b.attrs.all(func(_ *scope, a *attr) {
		if b.slotByName[a.Name] != nil || a.Name == dependsOnAttr {
			return
		}
		if b.isExposed(a.Name) {
			diags = append(diags, errorf(a.NameRange, "Read-only attribute",
				"%q is exposed by the %s driver from the live system; it cannot be set.", a.Name, b.typeKey()))
			return
		}
		names := make([]string, 0, len(b.slots))
		for _, s := range b.slots {
			names = append(names, s.name)
		}
		diags = append(diags, errorf(a.NameRange, "Unsupported argument",
			"An argument named %q is not expected in %s blocks.%s%s", a.Name, b.typeKey(), didYouMean(a.Name, names), keywordHint(a.Name)))
	})
	return diags
}

func (b *Block) isExposed(name string) bool {
	if b.Spec == nil {
		return false
	}
	for _, e := range b.Spec.Exposed {
		if e.Name == name {
			return true
		}
	}
	return false
}

// checkRequired reports required attributes set nowhere, not even in an on
// block. Those set only for some nodes are checked per node by Evaluate.
func (b *Block) checkRequired() hcl.Diagnostics {
	var diags hcl.Diagnostics
	for _, s := range b.slots {
		if s.required && !b.attrs.has(s.name) {
			diags = append(diags, errorf(b.DeclRange, "Missing required argument",
				"The argument %q is required by %s, but no definition was found in %s.", s.name, b.typeKey(), b.RID()))
		}
	}
	return diags
}

// refAttrNames lists what KIND.NAME.ATTR may name on this block.
func (b *Block) refAttrNames() []string {
	out := []string{"name", "rid", "type", dependsOnAttr}
	for _, s := range b.slots {
		out = append(out, s.name)
	}
	if b.Spec != nil {
		for _, e := range b.Spec.Exposed {
			out = append(out, e.Name)
		}
	}
	return out
}

func (b *Block) hasRefAttr(name string) bool {
	if b.slotByName[name] != nil || b.isExposed(name) {
		return true
	}
	switch name {
	case "name", "rid", "type", dependsOnAttr:
		return true
	}
	return false
}
