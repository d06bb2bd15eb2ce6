package plan

import (
	"context"
	"slices"

	"github.com/hashicorp/hcl/v2"
	"github.com/omhcl/omhcl/check"
	"github.com/omhcl/omhcl/internal/parallel"
	"github.com/omhcl/omhcl/lang"
	"github.com/omhcl/omhcl/providers"
)

// planChecks runs the drivers' checks on what a request plans.
type planChecks struct {
	k      check.Checker
	req    Request
	list   []Input
	inputs map[string]Input         // by service name
	svcs   map[string]*lang.Service // by name: Config.Service is a scan
}

// newChecks checks what req plans for inputs. Only the node's own drivers
// see what the node sees: from a snapshot, checks of this host are
// warnings.
func newChecks(req Request, inputs []Input) *planChecks {
	_, onNode := req.Source.(Drivers)
	pc := &planChecks{
		k: check.Checker{Config: req.Config, OnNode: onNode}, req: req, list: inputs,
		inputs: make(map[string]Input, len(inputs)), svcs: make(map[string]*lang.Service, len(inputs)),
	}
	for _, in := range inputs {
		pc.inputs[in.Instance.Service] = in
	}
	for _, svc := range req.Config.Services {
		if _, ok := pc.inputs[svc.Name]; ok {
			pc.svcs[svc.Name] = svc
		}
	}
	return pc
}

// attrs runs the checks of the attributes alone on every resource the
// plan may act on, before Build asks them for operations.
func (pc *planChecks) attrs(ctx context.Context) hcl.Diagnostics {
	var diags hcl.Diagnostics
	for _, in := range pc.list { // in the order of the services
		if svc := pc.svcs[in.Instance.Service]; svc != nil {
			diags = append(diags, pc.k.Encap(svc)...)
		}
	}
	found := make([]hcl.Diagnostics, len(pc.list))
	parallel.For(len(pc.list), func(i int) { found[i] = pc.inputAttrs(ctx, pc.list[i]) })
	for _, d := range found {
		diags = append(diags, d...)
	}
	return diags
}

// inputAttrs runs the attribute checks of one planned service.
func (pc *planChecks) inputAttrs(ctx context.Context, in Input) hcl.Diagnostics {
	var diags hcl.Diagnostics
	svc := pc.svcs[in.Instance.Service]
	opts := pc.req.Options.forInput(in)
	for _, r := range in.Instance.Resources {
		lr := in.Live.Resource(r.RID())
		if svc == nil || lr == nil || lr.Skipped != "" || !selected(r.RID(), r.Common.Tags, opts) {
			continue
		}
		diags = append(diags, pc.k.Resource(ctx, svc, in.Instance, r, providers.Check{})...)
	}
	return diags
}

// changes runs the checks of the actions p plans: a plan whose operations
// will certainly fail is an error, not a plan.
//
// The changes are checked in parallel (a check may wait on this host's
// resolver), their diagnostics listed in the order of the changes.
func (pc *planChecks) changes(ctx context.Context, p *Plan) hcl.Diagnostics {
	found := make([]hcl.Diagnostics, len(p.Changes))
	parallel.For(len(p.Changes), func(i int) { found[i] = pc.change(ctx, p.Changes[i]) })
	var diags hcl.Diagnostics
	for _, d := range found {
		diags = append(diags, d...)
	}
	return diags
}

// change runs the checks of the actions of c.
func (pc *planChecks) change(ctx context.Context, c *Change) hcl.Diagnostics {
	in, ok := pc.inputs[c.Service]
	svc := pc.svcs[c.Service]
	if !ok || svc == nil {
		return nil
	}
	r := in.Instance.Resource(c.RID)
	if r == nil {
		return nil // orphans stop on settings that once worked
	}
	actions := c.Actions
	if lr := in.Live.Resource(c.RID); lr != nil && lr.Exists {
		actions = slices.DeleteFunc(slices.Clone(actions), func(a providers.Action) bool { return a == providers.ActProvision })
	}
	return pc.k.Resource(ctx, svc, in.Instance, r, providers.Check{Actions: actions, Host: true})
}
