package cli

import (
	"slices"

	"github.com/hashicorp/hcl/v2"
	"github.com/omhcl/omhcl/lang"
)

// EvaluateAll evaluates every service as each of its nodes sees it, so a
// required attribute a scope leaves unset on one node is caught before
// the configuration is used: omplan validate and om edit config check the
// same way.
func EvaluateAll(cfg *lang.Config) hcl.Diagnostics {
	var diags hcl.Diagnostics
	seen := map[string]bool{}
	for _, svc := range cfg.Services {
		base, d := svc.Evaluate("", nil)
		diags = append(diags, d...)
		if base == nil {
			continue
		}
		s := base.Settings
		nodes := slices.Concat(s.Nodes, s.DrpNodes, s.EncapNodes)
		for _, n := range nodes {
			_, d := svc.Evaluate(n, nil)
			for _, x := range d {
				key := x.Error()
				if !seen[key] {
					seen[key] = true
					diags = append(diags, x)
				}
			}
		}
	}
	return diags
}
