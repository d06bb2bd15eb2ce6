package main

import (
	"fmt"
	"os"
	"slices"

	"github.com/omhcl/omhcl/cmd/internal/cli"
	"github.com/omhcl/omhcl/lang"
	"github.com/omhcl/omhcl/plan"
	"github.com/omhcl/omhcl/providers"
	"github.com/spf13/cobra"
)

// newSync is the seed's "om SVC sync update": run a service's syncs now.
func newSync(e *cli.Env, cf *configFlags) *cobra.Command {
	var rids []string
	var target string
	update := &cobra.Command{
		Use:   "update SERVICE...",
		Short: "Copy the service's data to its other nodes now (its sync resources)",
		Long: `update runs the service's sync resources now, from this node to the targets
each one names (nodes, drpnodes), through the cluster's data channel. Only
the node running the service syncs from it: elsewhere update refuses, as the
seed's status says "paused, service not up": a sync resource is armed
where the service started, never on a standby node. --force is accepted for the
seed's habit: update always syncs at once.`,
		Example: "  om svc1 sync update\n  om svc1 sync update --rid sync#1 --target drpnodes",
		Args:    cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, names, err := cf.services(e, args)
			if err != nil {
				return err
			}
			if target != "" && target != "nodes" && target != "drpnodes" {
				return fmt.Errorf("--target %q: want nodes or drpnodes", target)
			}
			for _, name := range names {
				if err := syncUpdate(cmd, e, cfg, cfg.Service(name), rids, target); err != nil {
					return err
				}
			}
			return nil
		},
	}
	update.Flags().StringSliceVar(&rids, "rid", nil, "only these sync resources")
	update.Flags().StringVar(&target, "target", "", "only this node set: nodes or drpnodes")
	update.Flags().Bool("force", false, "accepted: update always syncs now")
	return group("sync", "Copy a service's data between nodes", update)
}

// syncUpdate runs svc's selected syncs from this node, which must run it.
func syncUpdate(cmd *cobra.Command, e *cli.Env, cfg *lang.Config, svc *lang.Service, rids []string, only string) error {
	node := e.NodeName()
	inst, li, diags := e.Drivers(cfg).Instance(cmd.Context(), svc, node)
	if diags.HasErrors() {
		return fmt.Errorf("%s", diags.Error())
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	shell := []string{self, "--state-dir", e.Store().Root, "node", "ssh"}
	log := providers.NewLog(e.Out)
	ran := 0
	for _, r := range inst.Resources {
		if r.Kind != "sync" || (len(rids) > 0 && !slices.ContainsFunc(rids, func(w string) bool { return plan.SelectsRID(w, r.RID()) })) {
			continue
		}
		// armed: started here as the service started (a standby node,
		// with the same data mounted, never is): only the node running
		// the service syncs from it
		if lr := li.Resource(r.RID()); lr == nil || lr.Applied == nil {
			return fmt.Errorf("%s.%s: paused, service not up on %s: only the node running it syncs from it", svc.Name, r.RID(), node)
		}
		r.StateDir = e.Store().ResourceDir(svc.Name, r.RID())
		drv, err := plan.NewDriver(r)
		if err != nil {
			return err
		}
		s, ok := drv.(providers.Syncer)
		if !ok {
			return fmt.Errorf("%s.%s: sync.%s cannot sync on request", svc.Name, r.RID(), r.Type)
		}
		req := providers.SyncRequest{Targets: syncTargets(svc, inst, r, node, only), RemoteShell: shell}
		if len(req.Targets) == 0 {
			fmt.Fprintf(e.Out, "%s.%s: no target node\n", svc.Name, r.RID())
			continue
		}
		if err := s.Sync(cmd.Context(), log.For(node, svc.Name, r.RID()), req); err != nil {
			return err
		}
		ran++
	}
	if ran == 0 && len(rids) > 0 {
		return fmt.Errorf("%s: --rid %v selects no sync resource", svc.Name, rids)
	}
	return nil
}

// syncTargets are the nodes r copies to from node: the node sets its
// target attribute names (only one when set), node itself excluded, each
// with r's destinations as that node sees them.
func syncTargets(svc *lang.Service, inst *lang.Instance, r *providers.Resource, node, only string) []providers.SyncTarget {
	var out []providers.SyncTarget
	for _, set := range r.Strings("target") {
		if only != "" && set != only {
			continue
		}
		nodes := inst.Settings.Nodes
		if set == "drpnodes" {
			nodes = inst.Settings.DrpNodes
		}
		for _, n := range nodes {
			if n != node && !slices.ContainsFunc(out, func(t providers.SyncTarget) bool { return t.Node == n }) {
				out = append(out, providers.SyncTarget{Node: n, Set: set, Dst: plan.SyncDestinations(svc, n, r.RID())})
			}
		}
	}
	return out
}
