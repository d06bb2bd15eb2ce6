package plan_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/omhcl/omhcl/plan"
	"github.com/omhcl/omhcl/providers"
)

const vgHCL = `service "svc1" {
  nodes = ["demo1"]

  disk "0" {
    type = "vg"
    name = "vgsvc1"
  }
}
`

// planVG plans vgHCL from a snapshot where the vg exists or not.
func planVG(t *testing.T, exists bool) (*plan.Plan, hcl.Diagnostics) {
	t.Helper()
	cfg, _, li := emptySnapshot(t, vgHCL, "svc1", "demo1")
	li.Resource("disk#0").Exists = exists
	live := &plan.Live{FormatVersion: plan.LiveFormatVersion, Node: "demo1", Services: []*plan.LiveInstance{li}}
	p, _, diags := plan.Make(context.Background(), plan.Request{Config: cfg, Source: plan.Snapshot{Live: live}, Options: plan.Options{Node: "demo1"}})
	return p, diags
}

// TestExistingVGIsNotCreated: the seed's flow, a vg made by hand and not
// yet recorded as provisioned, plans what apply does: no creation, so no
// pvs needed, and provision records it.
func TestExistingVGIsNotCreated(t *testing.T) {
	p, diags := planVG(t, true)
	if len(diags) > 0 {
		t.Fatalf("plan of an existing vg: %s", diags.Error())
	}
	c := p.Changes[0]
	want := []string{"vg vgsvc1 already exists, skip create", "vgchange --deltag (tags of other nodes, if any) vgsvc1", "vgchange --addtag @demo1 vgsvc1", "vgchange -a y vgsvc1"}
	if !c.Has(providers.ActProvision) || !slices.Equal(c.Operations, want) || p.Errored {
		t.Errorf("plan of an existing vg: actions %v, operations %q; want provision with %q", c.Actions, c.Operations, want)
	}
}

// TestVGToCreateWithoutPVsIsAnError: the same vg, absent, cannot be
// created: the plan is errored, the error located at the vg's block.
func TestVGToCreateWithoutPVsIsAnError(t *testing.T) {
	p, diags := planVG(t, false)
	if !diags.HasErrors() || len(diags) != 1 {
		t.Fatalf("plan of a vg to create without pvs: diagnostics %v, want one error", diags)
	}
	d := diags[0]
	if d.Subject == nil || d.Subject.Filename != "svc1.hcl" || d.Subject.Start.Line != 4 || !strings.Contains(d.Detail, "pvs is required to create vg vgsvc1") {
		t.Errorf("diagnostic %s at %v, want the pvs error at svc1.hcl line 4", d.Detail, d.Subject)
	}
	if !p.Errored || len(p.Diagnostics) != 1 || p.Diagnostics[0].Severity != "error" {
		t.Errorf("plan: errored %v, diagnostics %+v", p.Errored, p.Diagnostics)
	}
}
