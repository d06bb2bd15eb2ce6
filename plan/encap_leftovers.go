package plan

import (
	"context"

	"github.com/omhcl/omhcl/lang"
	"github.com/omhcl/omhcl/providers"
)

// A container that shares the node's network namespace (netns = "host")
// leaves the addresses its level plumbed on the node when it dies: they
// live in the node's namespace, and only its agent knew to remove them.
// They would block every other node's start of the service (the conflict
// probe answers). The node sees them with the ip drivers of the level
// inside, which act in its own namespace here, and drops them itself
// when the agent cannot: a stop of the service, or its fencing. Which
// containers share the node's namespace (Spec.NodeNetwork) and which
// resources are addresses (Spec.Address) their drivers declare: no kind
// or attribute name is read here.

// leftoverAddresses are the address resources (Spec.Address) of svc's
// level inside h that are up on this node: h's container shares the
// node's network namespace and does not run.
func leftoverAddresses(ctx context.Context, svc *lang.Service, h EncapHost) []*providers.Resource {
	inner, diags := svc.Evaluate(h.Node, nil)
	if diags.HasErrors() || inner == nil {
		return nil
	}
	var out []*providers.Resource
	for _, r := range inner.Resources {
		if !r.Common.Encap || !providers.HoldsAddress(r) || r.Common.Disable {
			continue
		}
		drv, err := NewDriver(r)
		if err != nil {
			continue
		}
		if st := drv.Status(ctx); st.State == providers.Up || st.State == providers.Warn {
			out = append(out, r)
		}
	}
	return out
}

// leftovers records, on the line of each container that shares the
// node's network namespace and does not run, the addresses its level
// left on the node.
func (d Drivers) leftovers(ctx context.Context, svc *lang.Service, inst *lang.Instance, li *LiveInstance) {
	for _, h := range EncapHosts(inst) {
		lr := li.Resource(h.Container)
		if lr == nil || lr.Status == providers.Up || !providers.SharesNodeNetwork(inst.Resource(h.Container)) {
			continue
		}
		var rids []string
		for _, r := range leftoverAddresses(ctx, svc, h) {
			rids = append(rids, r.RID())
		}
		if len(rids) > 0 {
			lr.Inside = &EncapStatus{Node: h.Node, Error: "the container does not run; its level left addresses on the node: " + joinWords(rids), Leftovers: rids}
		}
	}
}
