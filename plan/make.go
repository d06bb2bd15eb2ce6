package plan

import (
	"context"
	"slices"

	"github.com/hashicorp/hcl/v2"
	"github.com/omhcl/omhcl/lang"
)

// Request is what to plan: the services (all when empty), the options,
// and where live state comes from.
type Request struct {
	Config   *lang.Config
	Source   Source
	Services []string
	Options  Options
}

// Observe evaluates every selected service for the node and reads its live
// state. Services the node takes no part in and has no record of are left
// out: nothing can change for them here.
func Observe(ctx context.Context, req Request) ([]Input, hcl.Diagnostics) {
	var inputs []Input
	var diags hcl.Diagnostics
	for _, svc := range req.Config.Services {
		if len(req.Services) > 0 && !slices.Contains(req.Services, svc.Name) {
			continue
		}
		inst, live, d := req.Source.Instance(ctx, svc, req.Options.Node)
		diags = append(diags, d...)
		if d.HasErrors() {
			continue
		}
		if live.Role == "" && !hasApplied(live) {
			continue
		}
		t := req.Options.Target
		if t == "" {
			t = DefaultTarget(inst.Settings, req.Options.Node)
		}
		inputs = append(inputs, Input{Instance: inst, Live: live, Target: t})
	}
	return inputs, diags
}

func hasApplied(li *LiveInstance) bool {
	for _, r := range li.Resources {
		if r.Applied != nil {
			return true
		}
	}
	return false
}

// Make observes and plans in one call.
func Make(ctx context.Context, req Request) (*Plan, []Input, hcl.Diagnostics) {
	inputs, diags := Observe(ctx, req)
	if diags.HasErrors() {
		return nil, nil, diags
	}
	p, err := Build(req.Options.Node, inputs, req.Options)
	if err != nil {
		return nil, nil, append(diags, errorDiag("Cannot plan", err.Error()))
	}
	return p, inputs, diags
}

// LiveOf gathers the live state of the planned services, as om status
// --json prints it.
func LiveOf(node string, inputs []Input) *Live {
	l := &Live{FormatVersion: LiveFormatVersion, Node: node}
	for _, in := range inputs {
		l.Services = append(l.Services, in.Live)
	}
	return l
}
