package lang

import (
	"slices"

	"github.com/hashicorp/hcl/v2"
)

// AttrSource is where an attribute of a resource gets its value for the
// node of an instance, for checks made after evaluation to point at.
type AttrSource struct {
	// Range is the assignment, or the block's header when the attribute is
	// not set (it is missing, or left to its default).
	Range hcl.Range
	// Expr is the assigned expression; nil when the attribute is not set.
	Expr hcl.Expression
}

// AttrSource returns where attribute name of resource rid is set for
// inst's node: the same assignment Evaluate picked.
func (s *Service) AttrSource(inst *Instance, rid, name string) (AttrSource, bool) {
	b := s.Block(rid)
	if b == nil {
		return AttrSource{}, false
	}
	node := inst.Node
	m := membership{
		node:    node,
		inNodes: slices.Contains(inst.Settings.Nodes, node),
		inDrp:   slices.Contains(inst.Settings.DrpNodes, node),
		inEncap: slices.Contains(inst.Settings.EncapNodes, node),
	}
	a := b.attrs.pick(name, &m)
	if a == nil {
		return AttrSource{Range: b.DeclRange}, true
	}
	return AttrSource{Range: a.Range, Expr: a.Expr}, true
}
