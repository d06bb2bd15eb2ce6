// Package check runs the drivers' checks on evaluated services and turns
// what they find into diagnostics located at the attributes at fault:
// omplan validate checks the attributes alone, plans check the actions
// they plan as well.
package check

import (
	"context"
	"fmt"

	"github.com/hashicorp/hcl/v2"
	"github.com/omhcl/omhcl/lang"
	"github.com/omhcl/omhcl/providers"
)

// Checker checks the services of one configuration.
type Checker struct {
	Config *lang.Config
	// OnNode says the host running the checks is the planned node. When it
	// is not (a plan made from a snapshot), what only this host sees (a
	// name its resolver does not know) is a warning, not an error.
	OnNode bool
}

// Instance runs the checks every node's plan would run whatever it
// plans: the attributes of each resource of inst alone, and the values
// two resources must not share. This is what validate checks.
func (k Checker) Instance(ctx context.Context, svc *lang.Service, inst *lang.Instance) hcl.Diagnostics {
	var diags hcl.Diagnostics
	for _, r := range inst.Resources {
		diags = append(diags, k.Resource(ctx, svc, inst, r, providers.Check{})...)
	}
	return append(diags, k.shared(svc, inst)...)
}

// Resource runs the checks of r, a resource of inst, for the actions of c.
func (k Checker) Resource(ctx context.Context, svc *lang.Service, inst *lang.Instance, r *providers.Resource, c providers.Check) hcl.Diagnostics {
	var diags hcl.Diagnostics
	for _, e := range providers.CheckResource(ctx, r, c) {
		diags = append(diags, k.diagnostic(svc, inst, r, c, e))
	}
	return diags
}

func (k Checker) diagnostic(svc *lang.Service, inst *lang.Instance, r *providers.Resource, c providers.Check, e *providers.AttrError) *hcl.Diagnostic {
	d := &hcl.Diagnostic{
		Severity: hcl.DiagError,
		Summary:  "Invalid attribute value",
		Detail:   fmt.Sprintf("%s.%s: %s.", inst.Service, r.RID(), e.Msg),
	}
	if len(c.Actions) > 0 {
		d.Summary = "Operation would fail"
	}
	if e.Host && !k.OnNode {
		d.Severity, d.Summary = hcl.DiagWarning, "Operation may fail on the node"
		d.Detail += fmt.Sprintf(" This was checked from the host running omplan, not from node %s (the plan is made from a snapshot): the node may see it otherwise. Plan on the node to be sure.", inst.Node)
	}
	locate(d, svc, inst, r.RID(), e.Attr)
	return d
}

// locate points d at where attr of rid is set for inst's node: its
// expression, or the block when the attribute is not set or not named.
func locate(d *hcl.Diagnostic, svc *lang.Service, inst *lang.Instance, rid, attr string) {
	src, ok := svc.AttrSource(inst, rid, attr)
	if !ok {
		return
	}
	d.Subject = src.Range.Ptr()
	if src.Expr != nil {
		d.Subject, d.Context = src.Expr.Range().Ptr(), src.Range.Ptr()
	}
}
