package lang

import (
	"fmt"
	"maps"
	"slices"
	"sort"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
)

// A configuration edited inside the container of an encapsulated service
// comes from a lower trust domain than the node: root in the container
// may write it. The node takes from it only changes to the level inside:
// the resources certainly tagged encap, and the settings in on
// "@encapnodes" blocks. EncapEdit lists every other change.

// EncapEdit lists what next, the configuration of service svc edited
// inside a container, changes outside the level inside, compared with
// old, the node's. Both are loaded configurations. Empty: the edit stays
// inside.
func EncapEdit(old, next *Config, svc string) []string {
	was, now := old.Service(svc), next.Service(svc)
	var out []string
	for _, s := range next.Services {
		if s.Name != svc {
			out = append(out, fmt.Sprintf("service %q added (%s)", s.Name, at(s.DeclRange)))
		}
	}
	if was == nil || now == nil {
		return append(out, fmt.Sprintf("service %q missing", svc))
	}
	cmp := comparer{old: old, next: next}
	for _, d := range cmp.attrs(&was.settings, &now.settings, func(sc *scope) bool { return sc.kind == scopeEncapNodes }) {
		out = append(out, "setting "+d)
	}
	return append(out, cmp.blocks(was, now)...)
}

// comparer compares two loaded configurations token by token: layout and
// comments are no change.
type comparer struct{ old, next *Config }

// blocks lists the changes to the node's resources of a service, and the
// node's resources that read an encap resource that changed.
func (c comparer) blocks(was, now *Service) []string {
	var out []string
	changed := map[string]bool{}
	for _, rid := range ridUnion(was, now) {
		ob, nb := was.Block(rid), now.Block(rid)
		switch {
		case nb != nil && certainlyEncap(nb) && (ob == nil || certainlyEncap(ob)):
			changed[rid] = ob == nil || !c.sameBlock(ob, nb)
		case nb == nil && certainlyEncap(ob):
			changed[rid] = true
		case ob == nil:
			out = append(out, fmt.Sprintf("resource %s added without the encap tag: it would run on the node (%s)", rid, at(nb.DeclRange)))
		case nb == nil:
			out = append(out, fmt.Sprintf("resource %s removed", rid))
		case certainlyEncap(ob):
			out = append(out, fmt.Sprintf("resource %s no longer certainly tagged encap: it could run on the node (%s)", rid, at(nb.DeclRange)))
		case !c.sameBlock(ob, nb):
			out = append(out, fmt.Sprintf("resource %s changed (%s)", rid, at(nb.DeclRange)))
		}
	}
	for _, nb := range now.Blocks {
		if certainlyEncap(nb) {
			continue
		}
		for _, i := range nb.refs {
			if r := now.Blocks[i]; changed[r.RID()] {
				out = append(out, fmt.Sprintf("resource %s reads %s, which changed", nb.RID(), r.RID()))
			}
		}
	}
	return out
}

func ridUnion(a, b *Service) []string {
	var out []string
	for _, s := range []*Service{a, b} {
		for _, bl := range s.Blocks {
			if !slices.Contains(out, bl.RID()) {
				out = append(out, bl.RID())
			}
		}
	}
	return out
}

// certainlyEncap reports whether b is encap on every node: encap = true
// or tags holding "encap", written as constants that no on block
// overrides (an override could make it a node's resource somewhere).
func certainlyEncap(b *Block) bool {
	return constTrue(&b.attrs, "encap") || constHas(&b.attrs, "tags", "encap")
}

func constTrue(s *scopedAttrs, name string) bool {
	v, ok := unscopedConst(s, name)
	return ok && v.Type() == cty.Bool && v.True()
}

func constHas(s *scopedAttrs, name, elem string) bool {
	v, ok := unscopedConst(s, name)
	if !ok || !(v.Type().IsListType() || v.Type().IsTupleType()) {
		return false
	}
	for it := v.ElementIterator(); it.Next(); {
		_, e := it.Element()
		if e.IsKnown() && !e.IsNull() && e.Type() == cty.String && e.AsString() == elem {
			return true
		}
	}
	return false
}

// unscopedConst is the folded constant value of name when no on block
// assigns it.
func unscopedConst(s *scopedAttrs, name string) (cty.Value, bool) {
	a := s.base.get(name)
	if a == nil || !a.isConst || !a.constVal.IsWhollyKnown() || a.constVal.IsNull() {
		return cty.NilVal, false
	}
	for _, sc := range s.scopes {
		if sc.attrs.get(name) != nil {
			return cty.NilVal, false
		}
	}
	return a.constVal, true
}

func (c comparer) sameBlock(ob, nb *Block) bool {
	return ob.Kind == nb.Kind && ob.Type == nb.Type && len(c.attrs(&ob.attrs, &nb.attrs, nil)) == 0
}

// attrs lists the assignments that differ between o and n, plain ones
// and those of on blocks, leaving out the on blocks skip says are not the
// node's business.
func (c comparer) attrs(o, n *scopedAttrs, skip func(*scope) bool) []string {
	var out []string
	for _, name := range union(o.base.names(), n.base.names()) {
		if oa, na := o.base.get(name), n.base.get(name); !c.sameAttr(oa, na) {
			out = append(out, fmt.Sprintf("%s (%s)", name, at(c.where(oa, na))))
		}
	}
	osc, nsc := scopesByLabel(o, skip), scopesByLabel(n, skip)
	for _, label := range union(slices.Collect(maps.Keys(osc)), slices.Collect(maps.Keys(nsc))) {
		var oas, nas attrSet
		if sc := osc[label]; sc != nil {
			oas = sc.attrs
		}
		if sc := nsc[label]; sc != nil {
			nas = sc.attrs
		}
		for _, name := range union(oas.names(), nas.names()) {
			if oa, na := oas.get(name), nas.get(name); !c.sameAttr(oa, na) {
				out = append(out, fmt.Sprintf("%s in on %q (%s)", name, label, at(c.where(oa, na))))
			}
		}
	}
	return out
}

// where is the range to point at: the edited assignment, else the
// removed one.
func (c comparer) where(o, n *attr) hcl.Range {
	if n != nil {
		return n.Range
	}
	return o.Range
}

func scopesByLabel(s *scopedAttrs, skip func(*scope) bool) map[string]*scope {
	out := map[string]*scope{}
	for _, sc := range s.scopes {
		if skip == nil || !skip(sc) {
			out[sc.Label] = sc
		}
	}
	return out
}

// union is the names in a or b, sorted.
func union(a, b []string) []string {
	var out []string
	for _, k := range slices.Concat(a, b) {
		if !slices.Contains(out, k) {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

func (c comparer) sameAttr(o, n *attr) bool {
	if o == nil || n == nil {
		return o == n
	}
	ot, ok1 := tokens(c.old, o)
	nt, ok2 := tokens(c.next, n)
	return ok1 && ok2 && slices.Equal(ot, nt)
}

// tokens are the expression's tokens, without newlines and comments;
// false when its source is not there (then it counts as changed).
func tokens(cfg *Config, a *attr) ([]string, bool) {
	r := a.Expr.Range()
	f := cfg.Files[r.Filename]
	if f == nil || r.End.Byte > len(f.Bytes) || r.Start.Byte > r.End.Byte {
		return nil, false
	}
	toks, _ := hclsyntax.LexExpression(f.Bytes[r.Start.Byte:r.End.Byte], r.Filename, r.Start)
	var out []string
	for _, t := range toks {
		switch t.Type {
		case hclsyntax.TokenNewline, hclsyntax.TokenComment, hclsyntax.TokenEOF:
			continue
		}
		out = append(out, string(t.Bytes))
	}
	return out, true
}
