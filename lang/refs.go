package lang

import (
	"slices"
	"sort"
	"strconv"

	"github.com/hashicorp/hcl/v2"
	"github.com/omhcl/omhcl/providers"
	"github.com/zclconf/go-cty/cty"
)

// serviceRefAttrs are what service.X may name in resource attributes;
// settings may only use service.name (the others are being computed).
var serviceRefAttrs = []string{"name", "nodes", "drpnodes", "encapnodes", "app", "id"}

// resolver checks references against the blocks of one service.
type resolver struct {
	service string
	blocks  []*Block
	byKind  map[string]map[string]int // kind -> name -> block index
}

func newResolver(service string, blocks []*Block) *resolver {
	r := &resolver{service: service, blocks: blocks, byKind: map[string]map[string]int{}}
	for i, b := range blocks {
		m := r.byKind[b.Kind]
		if m == nil {
			m = map[string]int{}
			r.byKind[b.Kind] = m
		}
		if _, dup := m[b.Name]; !dup {
			m[b.Name] = i
		}
	}
	return r
}

func isRootName(n string) bool { return n == "service" || n == "node" || providers.IsKind(n) }

func rootNames() []string {
	return append([]string{"service", "node"}, providers.KindOrder...)
}

// stepName reads a traversal step naming something: .name, ["name"], or
// .0 for resources named with digits as in the seeds (disk.0.name).
func stepName(t hcl.Traverser) (string, bool) {
	switch s := t.(type) {
	case hcl.TraverseAttr:
		return s.Name, true
	case hcl.TraverseIndex:
		if !s.Key.IsKnown() || s.Key.IsNull() {
			return "", false
		}
		switch s.Key.Type() {
		case cty.String:
			return s.Key.AsString(), true
		case cty.Number:
			if i, ok := wholeNumber(s.Key); ok && i >= 0 {
				return strconv.Itoa(i), true
			}
		}
	}
	return "", false
}

// expression checks an attribute expression's references and function
// calls, and records the blocks it refers to in a.refs. inSettings limits
// references to service.name and node.name. typ is the attribute's type
// (cty.NilType for an attribute not accepted there), for the errors of
// INI's bare words.
func (r *resolver) expression(a *attr, inSettings bool, typ cty.Type) hcl.Diagnostics {
	vars, diags := exprVariables(a.Expr)
	a.hasVars = len(vars) > 0
	if len(vars) == 1 && !isRootName(vars[0].RootName()) {
		if d, ok := bareWord(a, typ); ok {
			if d != nil {
				diags = append(diags, d)
			}
			return diags
		}
	}
	for _, t := range vars {
		idx, d := r.traversal(t, inSettings)
		diags = append(diags, d...)
		a.refs = append(a.refs, idx...)
		r.markUse(t, idx)
	}
	return diags
}

// markUse records which attributes of the referenced blocks t reads.
func (r *resolver) markUse(t hcl.Traversal, idx []int) {
	name, whole := "", true
	if len(t) > 2 {
		if n, ok := stepName(t[2]); ok {
			name, whole = n, false
		}
	}
	for _, i := range idx {
		b := r.blocks[i]
		switch {
		case whole:
			b.wholeRef = true
		case !slices.Contains(b.refAttrs, name):
			b.refAttrs = append(b.refAttrs, name)
		}
	}
}

func (r *resolver) traversal(t hcl.Traversal, inSettings bool) ([]int, hcl.Diagnostics) {
	rng := t.SourceRange()
	root := t.RootName()
	switch {
	case root == "node":
		return nil, checkStep(t, 1, []string{"name"}, "node", rng)
	case root == "service" && inSettings:
		return nil, checkStep(t, 1, []string{"name"}, "service settings", rng)
	case root == "service":
		return nil, checkStep(t, 1, serviceRefAttrs, "service", rng)
	case !providers.IsKind(root):
		return nil, hcl.Diagnostics{errorf(rng, "Unknown variable",
			"There is no variable named %q: references start with service, node or a resource kind (%s).%s",
			root, quotedList(providers.KindOrder), didYouMean(root, rootNames()))}
	case inSettings:
		return nil, hcl.Diagnostics{errorf(rng, "Invalid reference in service settings",
			"Service settings cannot refer to resources: they decide which resources a node gets.")}
	}
	if len(t) == 1 {
		return r.allOfKind(root), nil
	}
	name, ok := stepName(t[1])
	if !ok {
		return nil, hcl.Diagnostics{errorf(rng, "Invalid reference",
			"A reference to a resource is written KIND.NAME.ATTRIBUTE, like fs.app.mnt.")}
	}
	idx, ok := r.byKind[root][name]
	if !ok {
		return nil, hcl.Diagnostics{r.undeclared(root, name, rng)}
	}
	if len(t) > 2 {
		b := r.blocks[idx]
		if an, ok := stepName(t[2]); ok && !b.hasRefAttr(an) {
			return nil, hcl.Diagnostics{errorf(rng, "Unsupported attribute",
				"%s (%s) has no attribute %q.%s", b.RID(), b.typeKey(), an, didYouMean(an, b.refAttrNames()))}
		}
	}
	return []int{idx}, nil
}

func (r *resolver) undeclared(kind, name string, rng hcl.Range) *hcl.Diagnostic {
	var names []string
	for n := range r.byKind[kind] {
		names = append(names, n)
	}
	sort.Strings(names)
	return errorf(rng, "Reference to undeclared resource",
		"There is no %s resource named %q in service %q.%s", kind, name, r.service, didYouMean(name, names))
}

func (r *resolver) allOfKind(kind string) []int {
	var out []int
	for _, i := range r.byKind[kind] {
		out = append(out, i)
	}
	sort.Ints(out)
	return out
}

// checkStep checks that step i of t, when present, names one of allowed.
func checkStep(t hcl.Traversal, i int, allowed []string, what string, rng hcl.Range) hcl.Diagnostics {
	if len(t) <= i {
		return nil
	}
	name, ok := stepName(t[i])
	if ok {
		for _, a := range allowed {
			if a == name {
				return nil
			}
		}
	}
	return hcl.Diagnostics{errorf(rng, "Unsupported attribute",
		"%s has no attribute %q; it has %s.%s", what, name, quotedList(allowed), didYouMean(name, allowed))}
}

// dependsOn reads depends_on statically: a list of KIND.NAME references.
func (r *resolver) dependsOn(a *attr) hcl.Diagnostics {
	bad := func(rng hcl.Range) hcl.Diagnostics {
		return hcl.Diagnostics{errorIn(rng, a.Range, "Invalid depends_on",
			"depends_on is a list of resource references, like [fs.app, disk.vg].")}
	}
	exprs, d := hcl.ExprList(a.Expr)
	if d.HasErrors() {
		return bad(a.Expr.Range())
	}
	var diags hcl.Diagnostics
	for _, e := range exprs {
		t, d := hcl.AbsTraversalForExpr(e)
		if d.HasErrors() || len(t) != 2 || !providers.IsKind(t.RootName()) {
			diags = append(diags, bad(e.Range())...)
			continue
		}
		idx, d := r.traversal(t, false)
		diags = append(diags, d...)
		for _, i := range idx {
			if !containsInt(a.refs, i) {
				a.refs = append(a.refs, i)
			}
		}
	}
	return diags
}

// collectRefs gathers the references of every assignment of b.
func (b *Block) collectRefs() {
	seen := map[int]bool{}
	b.attrs.all(func(_ *scope, a *attr) {
		for _, i := range a.refs {
			seen[i] = true
		}
	})
	b.refs = b.refs[:0]
	for i := range seen {
		b.refs = append(b.refs, i)
	}
	sort.Ints(b.refs)
}

// groupRefs groups b.refs by kind, for building evaluation contexts.
func (b *Block) groupRefs(blocks []*Block) {
	b.byKind = nil
	for _, k := range providers.KindOrder {
		var idx []int
		for _, i := range b.refs {
			if blocks[i].Kind == k {
				idx = append(idx, i)
			}
		}
		if len(idx) > 0 {
			b.byKind = append(b.byKind, kindRefs{kind: k, blocks: idx})
		}
	}
}

func containsInt(s []int, x int) bool {
	for _, v := range s {
		if v == x {
			return true
		}
	}
	return false
}
