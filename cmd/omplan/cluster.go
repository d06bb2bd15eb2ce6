package main

import (
	"context"
	"fmt"
	"slices"

	"github.com/hashicorp/hcl/v2"
	"github.com/omhcl/omhcl/cmd/internal/cli"
	"github.com/omhcl/omhcl/lang"
	"github.com/omhcl/omhcl/plan"
	"github.com/omhcl/omhcl/wire"
)

// planCluster plans every alive node of the cluster from its live state,
// with the placement the orchestrator computes: the node it targets runs
// each orchestrated service, the others keep it standby.
func planCluster(ctx context.Context, e *cli.Env, cfg *lang.Config, f planFlags) error {
	if err := e.Resolve(cfg, &f.sel); err != nil {
		return err
	}
	c, err := wire.Connect(ctx, e.Store().Root)
	if err != nil {
		return fmt.Errorf("--cluster needs the cluster daemon on this node: %w", err)
	}
	mon, err := c.Mon(ctx)
	if err != nil {
		return err
	}
	targets := map[string]string{}
	services := map[string]*wire.MonService{}
	for i, s := range mon.Services {
		targets[s.Name] = s.Target
		services[s.Name] = &mon.Services[i]
	}
	changes := false
	for _, n := range mon.Nodes {
		if n.Status != "alive" {
			fmt.Fprintf(e.Out, "== node %s: %s, not planned\n\n", n.Name, n.Status)
			continue
		}
		live, err := c.Live(ctx, n.Name)
		if err != nil {
			return err
		}
		p, runs, diags := planNode(ctx, cfg, live, n.Name, targets, f.sel)
		if len(diags) > 0 {
			lang.WriteDiagnostics(e.Err, cfg.Files, diags, bool(e.Colors(e.Err)))
		}
		if diags.HasErrors() {
			return cli.ErrReported
		}
		for _, s := range services {
			liveMoves(cfg, p, n.Name, s) // migrate.go
		}
		changes = changes || !p.Empty()
		fmt.Fprintf(e.Out, "== node %s", n.Name)
		if len(runs) > 0 {
			fmt.Fprintf(e.Out, " (runs %v)", runs)
		}
		fmt.Fprintln(e.Out)
		plan.WriteText(e.Out, p, e.Colors(e.Out))
		fmt.Fprintln(e.Out)
	}
	if f.detailedExitcode && changes {
		return cli.ExitError{Code: 2}
	}
	return nil
}

// planNode plans one node, service by service, each toward what the
// orchestrator wants of it there.
func planNode(ctx context.Context, cfg *lang.Config, live *plan.Live, node string, targets map[string]string, sel cli.Selection) (*plan.Plan, []string, hcl.Diagnostics) {
	all := &plan.Plan{FormatVersion: plan.FormatVersion, Node: node}
	var runs []string
	var planDiags hcl.Diagnostics
	for _, svc := range cfg.Services {
		if len(sel.Services) > 0 && !slices.Contains(sel.Services, svc.Name) {
			continue
		}
		inst, diags := svc.Evaluate(node, nil)
		if diags.HasErrors() {
			return nil, nil, diags
		}
		t := plan.DefaultTarget(inst.Settings, node)
		if target, ok := targets[svc.Name]; ok && inst.Settings.Orchestrate != "no" && t != plan.TargetDown {
			t = plan.TargetStandby
			if target == node {
				t = plan.TargetUp
			}
		}
		if t == plan.TargetUp {
			runs = append(runs, svc.Name)
		}
		req := plan.Request{Config: cfg, Source: plan.Snapshot{Live: live}, Services: []string{svc.Name},
			Options: plan.Options{Node: node, Target: t, RIDs: sel.RIDs, Tags: sel.Tags, Targets: sel.Addresses}}
		p, _, diags := plan.Make(ctx, req)
		planDiags = append(planDiags, diags...)
		if diags.HasErrors() {
			return nil, nil, planDiags
		}
		all.Changes = append(all.Changes, p.Changes...)
		all.Steps = append(all.Steps, p.Steps...)
	}
	return all, runs, planDiags
}
