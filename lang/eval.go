package lang

import (
	"fmt"

	"github.com/hashicorp/hcl/v2"
	"github.com/omhcl/omhcl/providers"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"
)

// evaluator holds the state of one Evaluate call.
type evaluator struct {
	s       *Service
	m       membership
	exposer Exposer
	// objs[i] is what references to Blocks[i] see, once it is evaluated.
	objs       []cty.Value
	serviceObj cty.Value
	nodeObj    cty.Value
	baseCtx    *hcl.EvalContext // for blocks without references
	// scratch of slots, reused from block to block
	picks   []*attr
	values  []cty.Value
	commons []cty.Value
}

// scratch returns s cleared to n elements, reusing its array when it can.
func scratch[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n)
	}
	s = s[:n]
	clear(s)
	return s
}

// Evaluate evaluates the service as node sees it: scoped attributes,
// references in dependency order, defaults and checks. After each resource
// whose driver exposes attributes, exposer (which may be nil) tells their
// live values; missing ones are unknown and flow through expressions as
// unknowns. The instance is returned even with errors, best effort.
//
// node "" evaluates without node scope (only plain values and node sets the
// empty name is not in); required attributes set only in on blocks are then
// not reported, since no node is missing them.
func (s *Service) Evaluate(node string, exposer Exposer) (*Instance, hcl.Diagnostics) {
	set, m, diags := s.evalSettings(node)
	e := &evaluator{
		s:          s,
		m:          m,
		exposer:    exposer,
		objs:       make([]cty.Value, len(s.Blocks)),
		serviceObj: s.serviceObject(&set),
		nodeObj:    cty.ObjectVal(map[string]cty.Value{"name": cty.StringVal(node)}),
	}
	in := &Instance{
		Service:    s.Name,
		Node:       node,
		Settings:   set,
		Resources:  make([]*providers.Resource, 0, len(s.Blocks)),
		DependsOn:  make(map[string][]string, len(s.Blocks)),
		References: make(map[string][]string, len(s.Blocks)),
		Ranges:     make(map[string]hcl.Range, len(s.Blocks)),
	}
	for _, i := range s.order {
		r, d := e.block(s.Blocks[i])
		diags = append(diags, d...)
		in.Resources = append(in.Resources, r)
	}
	for i, b := range s.Blocks {
		rids := make([]string, len(s.deps[i]))
		for k, j := range s.deps[i] {
			rids[k] = s.Blocks[j].RID()
		}
		in.DependsOn[b.RID()] = rids
		refs := make([]string, len(b.refs))
		for k, j := range b.refs {
			refs[k] = s.Blocks[j].RID()
		}
		in.References[b.RID()] = refs
		in.Ranges[b.RID()] = b.DeclRange
	}
	return in, withoutRepeats(s.errs, diags)
}

// context exposes to b the service, the node and the resources b refers to.
// Blocks that refer to no resource share one context.
func (e *evaluator) context(b *Block) *hcl.EvalContext {
	if len(b.byKind) == 0 {
		if e.baseCtx == nil {
			e.baseCtx = &hcl.EvalContext{Variables: map[string]cty.Value{"service": e.serviceObj, "node": e.nodeObj}, Functions: functions}
		}
		return e.baseCtx
	}
	vars := make(map[string]cty.Value, 2+len(b.byKind))
	vars["service"] = e.serviceObj
	vars["node"] = e.nodeObj
	for _, g := range b.byKind {
		objs := make(map[string]cty.Value, len(g.blocks))
		for _, i := range g.blocks {
			o := e.objs[i]
			if o == cty.NilVal { // only in a cycle, already reported
				o = cty.DynamicVal
			}
			objs[e.s.Blocks[i].Name] = o
		}
		vars[g.kind] = cty.ObjectVal(objs)
	}
	return &hcl.EvalContext{Variables: vars, Functions: functions}
}

// block evaluates one resource block and records what references see.
func (e *evaluator) block(b *Block) (*providers.Resource, hcl.Diagnostics) {
	vals, commons, diags := e.slots(b)
	var dependsOn []string
	if a := b.attrs.pick(dependsOnAttr, &e.m); a != nil {
		for _, i := range a.refs {
			dependsOn = append(dependsOn, e.s.Blocks[i].RID())
		}
	}
	r := &providers.Resource{
		Service: e.s.Name, Node: e.m.node, Kind: b.Kind, Type: b.Type, Name: b.Name,
		Attrs:  vals,
		Common: commonFrom(commons, dependsOn),
	}
	exposed, d := e.expose(b, r)
	diags = append(diags, d...)
	if b.wholeRef || len(b.refAttrs) > 0 {
		e.objs[b.index] = b.object(r, commons, exposed, dependsOn)
	}
	return r, diags
}

// slots evaluates every attribute the block accepts, as the node sees it,
// then checks the values. The driver's attributes go to vals (which
// becomes Resource.Attrs), the common ones to commons, in commonSlots'
// order; a driver attribute named like a common one is both. commons is
// scratch: valid until the next block.
func (e *evaluator) slots(b *Block) (vals map[string]cty.Value, commons []cty.Value, diags hcl.Diagnostics) {
	ctx := e.context(b)
	vals = make(map[string]cty.Value, len(b.slots)-len(commonSlots))
	e.commons = scratch(e.commons, len(commonSlots))
	e.picks = scratch(e.picks, len(b.slots))
	e.values = scratch(e.values, len(b.slots))
	commons, picks, values := e.commons, e.picks, e.values
	for i, sl := range b.slots {
		a := b.attrs.pick(sl.name, &e.m)
		picks[i] = a
		v, d := evalSlot(sl, a, ctx)
		diags = append(diags, d...)
		if a == nil && sl.required && e.m.node != "" && b.attrs.has(sl.name) {
			diags = append(diags, errorf(b.DeclRange, "Missing required argument",
				"The argument %q is required by %s, but node %q gets no value for it: its on blocks set it for other nodes only.",
				sl.name, b.typeKey(), e.m.node))
		}
		values[i] = v
		if !sl.common {
			vals[sl.name] = v
		}
	}
	for i, sl := range b.slots {
		a := picks[i]
		if a == nil {
			continue
		}
		diags = append(diags, runChecks(sl, a, values[i], vals)...)
		if sl.common && !values[i].IsWhollyKnown() {
			// Unknowns are never errors, but the engine needs a value now.
			values[i] = sl.absent()
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagWarning,
				Summary:  "Value known only after apply",
				Detail: fmt.Sprintf("%s of %s depends on a value exposed by a running resource; its default (%s) applies until that value is known.",
					a.Name, b.RID(), showValue(sl.absent())),
				Subject: a.Expr.Range().Ptr(),
				Context: a.Range.Ptr(),
			})
		}
	}
	for i, sl := range b.slots {
		if sl.common {
			commons[sl.commonIndex] = values[i]
		}
	}
	for i, c := range commonSlots {
		if sl := b.slotByName[c.name]; sl != nil && sl != c { // the driver's attribute of that name
			commons[i] = vals[c.name]
		}
	}
	return vals, commons, diags
}

// object is what references to b see: the attributes other blocks read,
// or all of them when one reads the whole object.
func (b *Block) object(r *providers.Resource, commons []cty.Value, exposed map[string]cty.Value, dependsOn []string) cty.Value {
	get := func(name string) cty.Value {
		switch name {
		case "rid":
			return cty.StringVal(b.RID())
		case "type":
			return cty.StringVal(b.Type)
		case dependsOnAttr:
			return stringList(dependsOn)
		}
		if v, ok := r.Attrs[name]; ok {
			return v
		}
		for i, c := range commonSlots {
			if c.name == name {
				return commons[i]
			}
		}
		if v, ok := exposed[name]; ok {
			return v
		}
		if name == "name" {
			return cty.StringVal(b.Name)
		}
		return cty.NullVal(cty.DynamicPseudoType)
	}
	names := b.refAttrs
	if b.wholeRef {
		names = b.refAttrNames()
	}
	obj := make(map[string]cty.Value, len(names))
	for _, n := range names {
		obj[n] = get(n)
	}
	return cty.ObjectVal(obj)
}

// expose asks the exposer for the live values of the driver's exposed
// attributes; what it does not tell is unknown.
func (e *evaluator) expose(b *Block, r *providers.Resource) (map[string]cty.Value, hcl.Diagnostics) {
	if b.Spec == nil || len(b.Spec.Exposed) == 0 {
		return nil, nil
	}
	var live map[string]cty.Value
	if e.exposer != nil {
		live = e.exposer(r)
	}
	out := make(map[string]cty.Value, len(b.Spec.Exposed))
	var diags hcl.Diagnostics
	for _, x := range b.Spec.Exposed {
		typ := x.Type
		if typ == cty.NilType {
			typ = cty.DynamicPseudoType
		}
		v, ok := live[x.Name]
		if !ok || v == cty.NilVal {
			out[x.Name] = cty.UnknownVal(typ)
			continue
		}
		cv, err := convert.Convert(v, typ)
		if err != nil {
			diags = append(diags, errorf(b.DeclRange, "Invalid exposed value",
				"The %s driver exposed %s.%s with a value of the wrong type: %s.", b.typeKey(), b.RID(), x.Name, err))
			cv = cty.UnknownVal(typ)
		}
		out[x.Name] = cv
	}
	return out, diags
}

// withoutRepeats returns first followed by the diagnostics of more that are
// not already in first (checks Evaluate repeats on values folded at load).
func withoutRepeats(first, more hcl.Diagnostics) hcl.Diagnostics {
	out := append(hcl.Diagnostics(nil), first...)
	for _, d := range more {
		if !containsDiag(first, d) {
			out = append(out, d)
		}
	}
	return out
}

func containsDiag(list hcl.Diagnostics, d *hcl.Diagnostic) bool {
	for _, x := range list {
		if x.Severity == d.Severity && x.Summary == d.Summary && x.Detail == d.Detail && sameRange(x.Subject, d.Subject) {
			return true
		}
	}
	return false
}

func sameRange(a, b *hcl.Range) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}

// showValue renders a default value for messages.
func showValue(v cty.Value) string {
	switch {
	case v.IsNull():
		return "null"
	case v.Type() == cty.String:
		return fmt.Sprintf("%q", v.AsString())
	case v.Type() == cty.Bool:
		return fmt.Sprint(v.True())
	case v.Type() == cty.Number:
		return v.AsBigFloat().Text('g', 10)
	case v.CanIterateElements() && v.LengthInt() == 0:
		return "[]"
	}
	return "a default"
}
