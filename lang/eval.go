package lang

import (
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
		Service:   s.Name,
		Node:      node,
		Settings:  set,
		Resources: make([]*providers.Resource, 0, len(s.Blocks)),
		DependsOn: make(map[string][]string, len(s.Blocks)),
		Ranges:    make(map[string]hcl.Range, len(s.Blocks)),
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
		in.Ranges[b.RID()] = b.DeclRange
	}
	return in, withoutRepeats(s.errs, diags)
}

// context exposes to b the service, the node and the resources b refers to.
func (e *evaluator) context(b *Block) *hcl.EvalContext {
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
	ctx := e.context(b)
	vals := make(map[string]cty.Value, len(b.slots)+8)
	picks := make([]*attr, len(b.slots))
	var diags hcl.Diagnostics
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
		vals[sl.name] = v
	}
	for i, sl := range b.slots {
		if a := picks[i]; a != nil {
			diags = append(diags, runChecks(sl, a, vals[sl.name], vals)...)
			if sl.common && !vals[sl.name].IsWhollyKnown() {
				diags = append(diags, errorIn(a.Expr.Range(), a.Range, "Value known only after apply",
					"%s must be known when the configuration is evaluated, but it depends on a value exposed by a running resource.", a.Name))
			}
		}
	}
	var dependsOn []string
	if a := b.attrs.pick(dependsOnAttr, &e.m); a != nil {
		for _, i := range a.refs {
			dependsOn = append(dependsOn, e.s.Blocks[i].RID())
		}
	}
	r := &providers.Resource{
		Service: e.s.Name, Node: e.m.node, Kind: b.Kind, Type: b.Type, Name: b.Name,
		Attrs:  make(map[string]cty.Value, len(b.slots)),
		Common: commonFrom(vals, dependsOn),
	}
	for _, sl := range b.slots {
		if !sl.common {
			r.Attrs[sl.name] = vals[sl.name]
		}
	}
	diags = append(diags, e.expose(b, r, vals)...)
	vals[dependsOnAttr] = stringList(dependsOn)
	if _, ok := vals["name"]; !ok {
		vals["name"] = cty.StringVal(b.Name)
	}
	vals["rid"] = cty.StringVal(b.RID())
	vals["type"] = cty.StringVal(b.Type)
	e.objs[b.index] = cty.ObjectVal(vals)
	return r, diags
}

// expose asks the exposer for the live values of the driver's exposed
// attributes and adds them to vals; what it does not know is unknown.
func (e *evaluator) expose(b *Block, r *providers.Resource, vals map[string]cty.Value) hcl.Diagnostics {
	if b.Spec == nil || len(b.Spec.Exposed) == 0 {
		return nil
	}
	var live map[string]cty.Value
	if e.exposer != nil {
		live = e.exposer(r)
	}
	var diags hcl.Diagnostics
	for _, x := range b.Spec.Exposed {
		typ := x.Type
		if typ == cty.NilType {
			typ = cty.DynamicPseudoType
		}
		v, ok := live[x.Name]
		if !ok || v == cty.NilVal {
			vals[x.Name] = cty.UnknownVal(typ)
			continue
		}
		cv, err := convert.Convert(v, typ)
		if err != nil {
			diags = append(diags, errorf(b.DeclRange, "Invalid exposed value",
				"The %s driver exposed %s.%s with a value of the wrong type: %s.", b.typeKey(), b.RID(), x.Name, err))
			cv = cty.UnknownVal(typ)
		}
		vals[x.Name] = cv
	}
	return diags
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
