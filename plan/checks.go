package plan

import (
	"context"
	"slices"

	"github.com/hashicorp/hcl/v2"
	"github.com/omhcl/omhcl/check"
	"github.com/omhcl/omhcl/providers"
)

// checker checks what req plans. Only the node's own drivers see what
// the node sees: from a snapshot, checks of this host are warnings.
func checker(req Request) check.Checker {
	_, onNode := req.Source.(Drivers)
	return check.Checker{Config: req.Config, OnNode: onNode}
}

// checkAttrs runs the drivers' checks of the attributes alone on every
// resource the plan may act on, before Build asks them for operations.
func checkAttrs(ctx context.Context, req Request, inputs []Input) hcl.Diagnostics {
	k := checker(req)
	var diags hcl.Diagnostics
	for _, in := range inputs {
		svc := req.Config.Service(in.Instance.Service)
		for _, r := range in.Instance.Resources {
			lr := in.Live.Resource(r.RID())
			if svc == nil || lr == nil || lr.Skipped != "" || !selected(r.RID(), r.Common.Tags, req.Options) {
				continue
			}
			diags = append(diags, k.Resource(ctx, svc, in.Instance, r, providers.Check{})...)
		}
	}
	return diags
}

// checkChanges runs the drivers' checks of the actions p plans: a plan
// whose operations will certainly fail is an error, not a plan.
func checkChanges(ctx context.Context, req Request, inputs []Input, p *Plan) hcl.Diagnostics {
	k := checker(req)
	var diags hcl.Diagnostics
	for _, in := range inputs {
		svc := req.Config.Service(in.Instance.Service)
		for _, c := range p.Changes {
			r := in.Instance.Resource(c.RID)
			if svc == nil || c.Service != in.Instance.Service || r == nil {
				continue // orphans stop on settings that once worked
			}
			actions := c.Actions
			if lr := in.Live.Resource(c.RID); lr != nil && lr.Exists {
				actions = slices.DeleteFunc(slices.Clone(actions), func(a providers.Action) bool { return a == providers.ActProvision })
			}
			diags = append(diags, k.Resource(ctx, svc, in.Instance, r, providers.Check{Actions: actions, Host: true})...)
		}
	}
	return diags
}
