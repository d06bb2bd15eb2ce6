package main

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/omhcl/omhcl/cmd/internal/cli"
	"github.com/omhcl/omhcl/engine"
	"github.com/omhcl/omhcl/lang"
	"github.com/omhcl/omhcl/plan"
	"github.com/omhcl/omhcl/providers"
	"github.com/omhcl/omhcl/wire"
	"github.com/spf13/cobra"
)

// syncVerbs are the seed's sync commands and the node set each copies
// to: update and all to every set a resource targets.
var syncVerbs = []struct{ name, set, short string }{
	{"update", "", "Copy the service's data to its other nodes now (its sync resources)"},
	{"nodes", "nodes", "Copy the service's data to its other nodes now"},
	{"drp", "drpnodes", "Copy the service's data to its drpnodes now"},
	{"all", "", "Copy the service's data to its other nodes and drpnodes now"},
}

const syncLong = `%[1]s runs the service's sync resources now, from this node to the nodes
each one targets%[2]s, through the cluster's data channel. Only the node
running the service syncs from it: elsewhere it refuses, as the seed's
status says "paused, service not up": a sync resource is armed where the
service runs, never on a standby node.

--rid sync#i0 is the configuration's distribution (the seed's "om svc1 sync
nodes --rid sync#i0"): this node's configuration of the service is handed to
the cluster, and the command waits until every alive node of the service
holds it (--wait). --force is accepted for the seed's habit: a sync always
runs now.`

// newSync is the seed's "om SVC sync update|nodes|drp|all".
func newSync(e *cli.Env, cf *configFlags) *cobra.Command {
	var cmds []*cobra.Command
	for _, v := range syncVerbs {
		cmds = append(cmds, newSyncVerb(e, cf, v.name, v.set, v.short))
	}
	return group("sync", "Copy a service's data between nodes", cmds...)
}

func newSyncVerb(e *cli.Env, cf *configFlags, name, set, short string) *cobra.Command {
	var rids []string
	var target string
	var wait time.Duration
	to := " (nodes, drpnodes)"
	if set != "" {
		to = " in " + set
	}
	cmd := &cobra.Command{
		Use:     name + " SERVICE...",
		Short:   short,
		Long:    fmt.Sprintf(syncLong, name, to),
		Example: fmt.Sprintf("  om svc1 sync %s\n  om svc1 sync %s --rid sync#1\n  om svc1 sync %s --rid sync#i0", name, name, name),
		Args:    cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, names, err := cf.services(e, args)
			if err != nil {
				return err
			}
			if target == "" {
				target = set
			}
			if target != "" && target != "nodes" && target != "drpnodes" {
				return fmt.Errorf("--target %q: want nodes or drpnodes", target)
			}
			config := slices.Contains(rids, configSyncRID)
			data := slices.DeleteFunc(slices.Clone(rids), func(r string) bool { return r == configSyncRID })
			for _, n := range names {
				if config {
					if err := distributeConfig(cmd.Context(), e, cfg, n, wait); err != nil {
						return err
					}
				}
				if !config || len(data) > 0 {
					if err := syncUpdate(cmd, e, cfg.Service(n), data, target); err != nil {
						return err
					}
				}
			}
			return nil
		},
	}
	cmd.Flags().StringSliceVar(&rids, "rid", nil, "only these sync resources (sync#i0: the configuration)")
	if set == "" {
		cmd.Flags().StringVar(&target, "target", "", "only this node set: nodes or drpnodes")
	}
	cmd.Flags().DurationVar(&wait, "wait", 30*time.Second, "with --rid sync#i0: how long to wait for every alive node to hold the configuration")
	cmd.Flags().Bool("force", false, "accepted: a sync always runs now")
	return cmd
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

// distributeConfig hands this node's configuration of svc to the cluster
// (a new generation when it changed) and waits until the sync#i0 line is
// up: every alive node of the service holds it.
func distributeConfig(ctx context.Context, e *cli.Env, cfg *lang.Config, svc string, wait time.Duration) error {
	if _, handed, err := e.HandToCluster(ctx, cfg, []string{svc}); err != nil {
		return err
	} else if !handed {
		return fmt.Errorf("%s: no daemon runs on this node: nothing distributes the configuration (om daemon start)", svc)
	}
	c, err := wire.Connect(ctx, e.Store().Root)
	if err != nil {
		return err
	}
	deadline := time.Now().Add(wait)
	for {
		view, err := c.Mon(ctx)
		if err != nil {
			return err
		}
		line := configSync(view, nil, svc)
		if line.Status == providers.Up {
			fmt.Fprintf(e.Out, "%s: %s: every alive node holds it%s\n", svc, line.Description, notCounted(line))
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s: %s: not everywhere after %s: %s", svc, line.Description, wait, strings.Join(line.Messages, "; "))
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// notCounted is the line's note of the nodes it did not count, if any.
func notCounted(r *plan.LiveResource) string {
	for _, m := range r.Messages {
		if strings.HasPrefix(m, "info: not counted: ") {
			return " (" + strings.TrimPrefix(m, "info: ") + ")"
		}
	}
	return ""
}
