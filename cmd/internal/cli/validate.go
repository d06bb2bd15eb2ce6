package cli

import (
	"context"
	"slices"

	"github.com/hashicorp/hcl/v2"
	"github.com/omhcl/omhcl/check"
	"github.com/omhcl/omhcl/lang"
)

// EvaluateAll evaluates every service as each of its nodes sees it, so a
// required attribute a scope leaves unset on one node is caught before
// the configuration is used, and runs the drivers' checks on each node's
// values: omplan validate and om edit config check the same way.
func EvaluateAll(ctx context.Context, cfg *lang.Config) hcl.Diagnostics {
	var diags hcl.Diagnostics
	seen := map[string]bool{}
	add := func(ds hcl.Diagnostics) {
		for _, x := range ds {
			if key := x.Error(); !seen[key] {
				seen[key] = true
				diags = append(diags, x)
			}
		}
	}
	k := check.Checker{Config: cfg}
	for _, svc := range cfg.Services {
		add(k.Encap(svc))
		base, d := svc.Evaluate("", nil)
		diags = append(diags, d...)
		if base == nil {
			continue
		}
		s := base.Settings
		for _, n := range slices.Concat(s.Nodes, s.DrpNodes, s.EncapNodes) {
			inst, d := svc.Evaluate(n, nil)
			add(d)
			if inst != nil && !d.HasErrors() {
				add(k.Instance(ctx, svc, inst))
			}
		}
	}
	return diags
}
