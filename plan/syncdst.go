package plan

import (
	"github.com/omhcl/omhcl/lang"
	"github.com/omhcl/omhcl/providers"
)

// SyncDestinations are where sync resource rid of svc writes on node: its
// dst, else its src, as node evaluates them (scoped paths differ per
// node); nil when node cannot evaluate them.
func SyncDestinations(svc *lang.Service, node, rid string) []string {
	inst, diags := svc.Evaluate(node, nil)
	if diags.HasErrors() || inst == nil {
		return nil
	}
	r := inst.Resource(rid)
	if r == nil {
		return nil
	}
	return SyncDsts(r)
}

// SyncDsts are where sync resource r writes on the node r was evaluated
// for: its dst, else its src.
func SyncDsts(r *providers.Resource) []string {
	if dst := r.Strings("dst"); len(dst) > 0 {
		return dst
	}
	return r.Strings("src")
}
