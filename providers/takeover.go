package providers

import (
	"context"
	"time"
)

// A start whose context says WithHolderFenced takes a service over from a
// node the cluster's quorum leases prove has dropped its addresses (it
// lost its quorum and fenced, or died: docs/cluster.md, "Partition"). A
// conflict probe then only has to catch a copy no daemon drives (a frozen
// node's kernel, an unmanaged copy): a kernel answers a probe at once, so
// the probe's probes go out over FencedProbeWait instead of the whole
// arp_probe_wait, which covers slow answers on other starts.
const FencedProbeWait = 60 * time.Millisecond

type holderFencedKey struct{}

// WithHolderFenced marks ctx as a start after the previous holder fenced.
func WithHolderFenced(ctx context.Context) context.Context {
	return context.WithValue(ctx, holderFencedKey{}, true)
}

// ProbeWait is how long a conflict probe with the configured wait listens
// under ctx, and why when it is shortened.
func ProbeWait(ctx context.Context, configured time.Duration) (time.Duration, string) {
	if fenced, _ := ctx.Value(holderFencedKey{}).(bool); fenced && configured > FencedProbeWait {
		return FencedProbeWait, ": the previous holder's leases ran out"
	}
	return configured, ""
}
