package providers

import "context"

// A stop whose context says WithFencing is a node's fence: it lost its
// quorum, and the majority will start the service elsewhere once this
// node's fence budget has passed (docs/cluster.md). Drivers declaring
// Spec.Fenced stop at once then (a VM is destroyed, not shut down): the
// resource must stop answering on the network within the budget, and
// nothing it could finish cleanly is worth a copy of it running on two
// nodes.

type fencingKey struct{}

// WithFencing marks ctx as a fence's.
func WithFencing(ctx context.Context) context.Context {
	return context.WithValue(ctx, fencingKey{}, true)
}

// Fencing says whether ctx is a fence's.
func Fencing(ctx context.Context) bool {
	f, _ := ctx.Value(fencingKey{}).(bool)
	return f
}

// FencedRIDs lists the rids of resources whose driver declares
// Spec.Fenced, in the order given.
func FencedRIDs(resources []*Resource) []string {
	var out []string
	for _, r := range resources {
		if s := SpecOf(r); s != nil && s.Fenced {
			out = append(out, r.RID())
		}
	}
	return out
}
