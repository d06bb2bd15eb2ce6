package main

import (
	"fmt"
	"os"

	"github.com/omhcl/omhcl/cmd/internal/cli"
	"github.com/omhcl/omhcl/engine"
	"github.com/omhcl/omhcl/lang"
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
				if err := syncUpdate(cmd, e, cfg.Service(name), rids, target); err != nil {
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
func syncUpdate(cmd *cobra.Command, e *cli.Env, svc *lang.Service, rids []string, only string) error {
	self, err := os.Executable()
	if err != nil {
		return err
	}
	ran, err := engine.Sync(cmd.Context(), engine.SyncRequest{
		Service: svc, Store: e.Store(), Node: e.NodeName(), RIDs: rids, Only: only,
		Shell: []string{self, "--state-dir", e.Store().Root, "node", "ssh"},
		Log:   providers.NewLog(e.Out),
	})
	if err == nil && ran == 0 && len(rids) > 0 {
		err = fmt.Errorf("%s: --rid %v selects no sync resource with a target", svc.Name, rids)
	}
	return err
}
