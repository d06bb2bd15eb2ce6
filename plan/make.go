package plan

import (
	"context"
	"github.com/omhcl/omhcl/internal/parallel"
	"slices"
	"time"

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
// out: nothing can change for them here. A snapshot is read for several
// services at once; the node's drivers one service at a time.
func Observe(ctx context.Context, req Request) ([]Input, hcl.Diagnostics) {
	var svcs []*lang.Service
	for _, svc := range req.Config.Services {
		if (len(req.Services) == 0 || slices.Contains(req.Services, svc.Name)) && req.Options.targeted(svc.Name) {
			svcs = append(svcs, svc)
		}
	}
	src := req.Source
	if s, ok := src.(Snapshot); ok && len(svcs) > 1 {
		src = s.indexed()
	}
	seen := make([]observation, len(svcs))
	observe := func(i int) {
		seen[i].inst, seen[i].live, seen[i].diags = src.Instance(ctx, svcs[i], req.Options.Node)
	}
	if _, ok := src.(indexedSnapshot); ok {
		parallel.For(len(svcs), observe)
	} else {
		for i := range svcs {
			observe(i)
		}
	}
	var inputs []Input
	var diags hcl.Diagnostics
	for i, o := range seen {
		diags = append(diags, o.diags...)
		if o.diags.HasErrors() {
			continue
		}
		if o.live.Role == "" && !hasApplied(o.live) {
			continue
		}
		t := req.Options.Target
		if t == "" {
			t = DefaultTarget(o.inst.Settings, req.Options.Node)
		}
		in := Input{Instance: o.inst, Live: o.live, Target: t}
		in.Encaps, o.diags = encapInputs(svcs[i], in, req.Options.Levels)
		diags = append(diags, o.diags...)
		inputs = append(inputs, in)
	}
	return inputs, diags
}

// observation is what a Source says of one service.
type observation struct {
	inst  *lang.Instance
	live  *LiveInstance
	diags hcl.Diagnostics
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
//
// Plans whose operations the drivers' checks say will fail come back with
// the errors, marked Errored; every plan carries its diagnostics for the
// JSON document. On errors before a plan exists, the plan is an empty
// Errored one.
func Make(ctx context.Context, req Request) (*Plan, []Input, hcl.Diagnostics) {
	inputs, diags := Observe(ctx, req)
	diags = append(diags, unknownSlaves(req.Options.Levels, inputs)...)
	checks := newChecks(req, inputs)
	if !diags.HasErrors() {
		diags = append(diags, checks.attrs(ctx)...)
	}
	if diags.HasErrors() {
		return req.errored(diags), nil, diags
	}
	p, err := Build(req.Options.Node, inputs, req.Options)
	if err != nil {
		diags = append(diags, errorDiag("Cannot plan", err.Error()))
		return req.errored(diags), nil, diags
	}
	diags = append(diags, checks.changes(ctx, p)...)
	p.Errored = diags.HasErrors()
	p.Diagnostics = lang.JSONDiagnostics(diags, req.Config.Files)
	return p, inputs, diags
}

// errored is the plan of a request that could not be planned.
func (req Request) errored(diags hcl.Diagnostics) *Plan {
	return &Plan{
		FormatVersion: FormatVersion, ID: newID(), Node: req.Options.Node, CreatedAt: time.Now().UTC(),
		Errored: true, Diagnostics: lang.JSONDiagnostics(diags, req.Config.Files),
	}
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
