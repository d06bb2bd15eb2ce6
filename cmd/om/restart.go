package main

import (
	"fmt"
	"strings"
	"time"

	"github.com/omhcl/omhcl/cmd/internal/cli"
	"github.com/omhcl/omhcl/plan"
	"github.com/omhcl/omhcl/wire"
	"github.com/spf13/cobra"
)

// newRestart is om SVC restart: stop, then start.
func newRestart(e *cli.Env, cf *configFlags) *cobra.Command {
	var sel cli.Selection
	var local bool
	var wait time.Duration
	cmd := &cobra.Command{
		Use:   "restart SERVICE...",
		Short: "Stop then start services (or some of their resources)",
		Long: `restart stops, then starts. When the cluster daemon runs, a whole service is
stopped everywhere and started again through the orchestrator, each step
waited for (--wait): it starts on its placement target, the node that ran it
last. --local (or --rid, --tag) restarts on this node only, through the
engine, as om SVC stop --local then om SVC start --local would; a failed stop
starts nothing.`,
		Example: "  om web restart\n  om web restart --local\n  om web restart --rid app#web",
		Args:    cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			services, rids := splitRIDs(args)
			if len(services) == 0 {
				return fmt.Errorf("restart: name the service of %s first: om SERVICE restart --rid %s", strings.Join(rids, ", "), strings.Join(rids, ","))
			}
			sel.RIDs = append(sel.RIDs, rids...)
			if !local && len(sel.RIDs) == 0 && len(sel.Tags) == 0 {
				if c, err := wire.Connect(cmd.Context(), e.Store().Root); err == nil {
					if wait <= 0 {
						return fmt.Errorf("restart through the daemon waits for the stop before it asks for the start: --wait must be more than 0 (--local restarts here without the daemon)")
					}
					for _, action := range []string{"stop", "start"} {
						if err := request(cmd.Context(), e, cf, c, services, wire.ActionRequest{Action: action}, wait); err != nil {
							return err
						}
					}
					return nil
				}
			}
			cfg, names, err := cf.services(e, services)
			if err != nil {
				return err
			}
			sel.Services = names
			for _, t := range []plan.Target{plan.TargetDown, plan.TargetUp} {
				sel.Target = string(t)
				req, err := e.Request(cfg, e.Drivers(cfg), sel)
				if err != nil {
					return err
				}
				if _, err := e.Converge(cmd.Context(), cfg, req, nil, nil); err != nil {
					return err
				}
			}
			return nil
		},
	}
	e.AddLockFlag(cmd.Flags())
	sel.AddFlags(cmd.Flags(), false)
	cmd.Flags().MarkHidden("service")
	cmd.Flags().BoolVar(&local, "local", false, "restart on this node only, even when the cluster daemon runs")
	cmd.Flags().DurationVar(&wait, "wait", 60*time.Second, "with the daemon: how long to wait for each step")
	return cmd
}
