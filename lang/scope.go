package lang

import (
	"slices"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
)

// attr is one assignment "name = expr", in a body or in an on block.
type attr struct {
	Name      string
	Expr      hclsyntax.Expression
	Range     hcl.Range // the whole assignment
	NameRange hcl.Range
	// refs are the blocks of the service this expression refers to
	// (indexes into Service.Blocks), resolved once at load.
	refs    []int
	hasVars bool
	// Expressions without variables are evaluated, converted and checked
	// once at load; Evaluate reuses the value.
	isConst  bool
	constVal cty.Value
}

func newAttr(a *hclsyntax.Attribute) *attr {
	return &attr{Name: a.Name, Expr: a.Expr, Range: a.SrcRange, NameRange: a.NameRange}
}

// scopeKind says which nodes an on block applies to.
type scopeKind int

const (
	scopeNode scopeKind = iota // one node, by name
	scopeNodes
	scopeDrpNodes
	scopeEncapNodes
)

// nodeSets maps the labels of node-set scopes to their kind. The rank of a
// set kind is its precedence when a node belongs to several sets: the most
// specific set (encapnodes, then drpnodes) wins over nodes.
var nodeSets = map[string]scopeKind{
	"@nodes":      scopeNodes,
	"@drpnodes":   scopeDrpNodes,
	"@encapnodes": scopeEncapNodes,
}

// attrSet is a body's assignments in source order. A body holds a few:
// a list searched in order is smaller and faster than a map.
type attrSet []*attr

// get returns the assignment of name, or nil.
func (s attrSet) get(name string) *attr {
	for _, a := range s {
		if a.Name == name {
			return a
		}
	}
	return nil
}

// names lists the assigned names.
func (s attrSet) names() []string {
	out := make([]string, len(s))
	for i, a := range s {
		out[i] = a.Name
	}
	return out
}

// scope is one `on "LABEL" { ... }` block.
type scope struct {
	Label string
	kind  scopeKind
	Range hcl.Range // the block header
	attrs attrSet
}

// membership is what scoping needs to know about the node being evaluated.
type membership struct {
	node                    string
	inNodes, inDrp, inEncap bool
}

func (m *membership) in(k scopeKind) bool {
	switch k {
	case scopeNodes:
		return m.inNodes
	case scopeDrpNodes:
		return m.inDrp
	case scopeEncapNodes:
		return m.inEncap
	}
	return false
}

// scopedAttrs holds a body's plain attributes and its on blocks.
type scopedAttrs struct {
	base   attrSet
	scopes []*scope
	// names is the union of attribute names, in order of first appearance.
	names []string
}

// pick returns the assignment of name that applies to the node: its own
// on block beats node-set on blocks, which beat the plain value.
func (s *scopedAttrs) pick(name string, m *membership) *attr {
	if len(s.scopes) == 0 {
		return s.base.get(name)
	}
	var best *attr
	bestKind := scopeNode
	for _, sc := range s.scopes {
		a := sc.attrs.get(name)
		if a == nil {
			continue
		}
		if sc.kind == scopeNode {
			if sc.Label == m.node {
				return a
			}
			continue
		}
		if sc.kind > bestKind && m.in(sc.kind) {
			best, bestKind = a, sc.kind
		}
	}
	if best != nil {
		return best
	}
	return s.base.get(name)
}

// all calls f on every assignment: plain ones, then each on block's.
func (s *scopedAttrs) all(f func(sc *scope, a *attr)) {
	for _, n := range s.names {
		if a := s.base.get(n); a != nil {
			f(nil, a)
		}
	}
	for _, sc := range s.scopes {
		for _, n := range s.names {
			if a := sc.attrs.get(n); a != nil {
				f(sc, a)
			}
		}
	}
}

// has reports whether name is assigned anywhere, plainly or in a scope.
func (s *scopedAttrs) has(name string) bool {
	if s.base.get(name) != nil {
		return true
	}
	for _, sc := range s.scopes {
		if sc.attrs.get(name) != nil {
			return true
		}
	}
	return false
}

// named reports whether name is assigned anywhere (has, without the
// attributes remove dropped).
func (s *scopedAttrs) named(name string) bool { return slices.Contains(s.names, name) }

func (s *scopedAttrs) addName(n string) {
	if !s.named(n) {
		s.names = append(s.names, n)
	}
}

// remove drops every assignment of name (type, handled statically).
func (s *scopedAttrs) remove(name string) {
	without := func(a *attr) bool { return a.Name == name }
	s.base = slices.DeleteFunc(s.base, without)
	for _, sc := range s.scopes {
		sc.attrs = slices.DeleteFunc(sc.attrs, without)
	}
	for i, n := range s.names {
		if n == name {
			s.names = append(s.names[:i:i], s.names[i+1:]...)
			break
		}
	}
}

// sortedAttributes returns a body's attributes in source order, so
// diagnostics come out deterministically.
func sortedAttributes(body *hclsyntax.Body) []*hclsyntax.Attribute {
	out := make([]*hclsyntax.Attribute, 0, len(body.Attributes))
	for _, a := range body.Attributes {
		out = append(out, a)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].SrcRange.Start.Byte < out[j].SrcRange.Start.Byte })
	return out
}

// readBase fills s.base from body's attributes.
func (s *scopedAttrs) readBase(body *hclsyntax.Body) {
	sorted := sortedAttributes(body)
	s.base = make(attrSet, len(sorted))
	s.names = make([]string, 0, len(sorted))
	for i, a := range sorted {
		s.base[i] = newAttr(a)
		s.addName(a.Name)
	}
}

// readScope decodes an on block and adds it to s, checking its label and
// that it holds attributes only.
func (s *scopedAttrs) readScope(blk *hclsyntax.Block) hcl.Diagnostics {
	var diags hcl.Diagnostics
	if len(blk.Labels) != 1 {
		return hcl.Diagnostics{errorf(blk.DefRange(), "Invalid on block",
			`An on block takes exactly one label: a node name or a node set ("@nodes", "@drpnodes", "@encapnodes"), as in on "node1" { ... }.`)}
	}
	label := blk.Labels[0]
	sc := &scope{Label: label, kind: scopeNode, Range: blk.DefRange()}
	switch k, ok := nodeSets[label]; {
	case ok:
		sc.kind = k
	case strings.HasPrefix(label, "@"):
		sets := []string{"@nodes", "@drpnodes", "@encapnodes"}
		diags = append(diags, errorf(blk.LabelRanges[0], "Unknown node set",
			"%q is not a node set; the node sets are %s.%s", label, quotedList(sets), didYouMean(label, sets)))
	case !validName(label):
		diags = append(diags, errorf(blk.LabelRanges[0], "Invalid node name",
			"%q is not a valid node name: it must match %s.", label, namePattern))
	}
	for _, prev := range s.scopes {
		if prev.Label == label {
			diags = append(diags, duplicate("Duplicate on block", `An on block for "`+label+`"`, sc.Range, prev.Range))
		}
	}
	for _, nested := range blk.Body.Blocks {
		diags = append(diags, errorf(nested.DefRange(), "Unexpected block in on block",
			"An on block only overrides attributes for %q; it cannot contain %s blocks.", label, nested.Type))
	}
	for _, a := range sortedAttributes(blk.Body) {
		sc.attrs = append(sc.attrs, newAttr(a))
		s.addName(a.Name)
	}
	s.scopes = append(s.scopes, sc)
	return diags
}
