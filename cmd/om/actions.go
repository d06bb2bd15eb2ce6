package main

import (
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/omhcl/omhcl/cmd/internal/cli"
	"github.com/omhcl/omhcl/daemon"
	"github.com/omhcl/omhcl/plan"
	"github.com/spf13/cobra"
)

var actionTargets = map[string]plan.Target{
	"start":       plan.TargetUp,
	"stop":        plan.TargetDown,
	"provision":   plan.TargetProvision,
	"unprovision": plan.TargetUnprovision,
}

// newAction builds start, stop, provision and unprovision: each plans the
// service toward its target and applies at once, through the same engine
// as omapply.
func newAction(e *cli.Env, cf *configFlags, name, short string) *cobra.Command {
	var sel cli.Selection
	var yes, local bool
	var wait time.Duration
	cmd := &cobra.Command{
		Use:     name + " SERVICE...",
		Short:   short,
		Example: fmt.Sprintf("  om svc1 %s\n  om %s svc1 --rid app#web", name, name),
		Args:    cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			// start and stop of whole services go through the cluster's
			// orchestrator when a daemon runs; --local acts on this node
			if orchestrated := (name == "start" || name == "stop") && !local && len(sel.RIDs) == 0 && len(sel.Tags) == 0; orchestrated {
				if c, err := daemon.Connect(cmd.Context(), e.Store().Root); err == nil {
					for _, svc := range args {
						if _, err := c.Action(cmd.Context(), svc, daemon.ActionRequest{Action: name, From: e.NodeName()}); err != nil {
							return err
						}
						if err := waitPlacement(cmd.Context(), e, c, svc, name, "", wait); err != nil {
							return err
						}
					}
					return nil
				}
			}
			cfg, err := e.LoadConfig(cf.Paths())
			if err != nil {
				return err
			}
			sel.Services, sel.Target = args, string(actionTargets[name])
			req, err := e.Request(cfg, plan.Drivers{Store: e.Store()}, sel)
			if err != nil {
				return err
			}
			p, _, err := e.MakePlan(cmd.Context(), req)
			if err != nil {
				return err
			}
			if p.Empty() {
				fmt.Fprintf(e.Out, "%s: nothing to %s, already in place on %s\n", strings.Join(args, ", "), name, p.Node)
				return nil
			}
			if name == "unprovision" && !yes && cli.Interactive() {
				plan.WriteText(e.Out, p, e.Colors(e.Out))
				if !e.Confirm(os.Stdin, "Unprovision destroys the data of these resources. Continue?") {
					return cli.ErrReported
				}
			}
			return e.Apply(cmd.Context(), cfg, p, req.Unchanged(p))
		},
	}
	e.AddLockFlag(cmd.Flags())
	sel.AddFlags(cmd.Flags(), false)
	cmd.Flags().MarkHidden("service")
	if name == "start" || name == "stop" {
		cmd.Flags().BoolVar(&local, "local", false, "act on this node only, even when the cluster daemon runs")
		cmd.Flags().DurationVar(&wait, "wait", 60*time.Second, "with the daemon: how long to wait for the cluster to get there")
	}
	if name == "unprovision" {
		cmd.Flags().BoolVar(&yes, "yes", false, "do not ask for confirmation on a terminal")
	}
	return cmd
}
