package main

import (
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/omhcl/omhcl/cmd/internal/cli"
	"github.com/omhcl/omhcl/engine"
	"github.com/omhcl/omhcl/plan"
	"github.com/omhcl/omhcl/wire"
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
		Example: fmt.Sprintf("  om svc1 %s\n  om %s svc1 --rid app#web\n  om 'web*' %s", name, name, name),
		Args:    cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			// the seed's "om svc1 stop --local app#web": a resource id
			// among the services is a --rid (service names hold no '#')
			services, rids := splitRIDs(args)
			if len(services) == 0 {
				return fmt.Errorf("%s: name the service of %s first: om SERVICE %s --rid %s", name, strings.Join(rids, ", "), name, strings.Join(rids, ","))
			}
			sel.RIDs = append(sel.RIDs, rids...)
			// start and stop of whole services go through the cluster's
			// orchestrator when a daemon runs; --local acts on this node
			if orchestrated := (name == "start" || name == "stop") && !local && len(sel.RIDs) == 0 && len(sel.Tags) == 0; orchestrated {
				if c, err := wire.Connect(cmd.Context(), e.Store().Root); err == nil {
					return request(cmd.Context(), e, cf, c, services, wire.ActionRequest{Action: name}, wait)
				}
			}
			cfg, names, err := cf.services(e, services)
			if err != nil {
				return err
			}
			sel.Services, sel.Target = names, string(actionTargets[name])
			req, err := e.Request(cfg, e.Drivers(cfg), sel)
			if err != nil {
				return err
			}
			var show func(engine.Shown) error
			var approve func(*plan.Plan) error
			if name == "unprovision" && !yes && cli.Interactive() {
				show = func(s engine.Shown) error { return showUnprovision(e, s) }
				approve = func(*plan.Plan) error { return confirmUnprovision(e) }
			}
			p, err := e.Converge(cmd.Context(), cfg, req, show, approve)
			if err == nil && p.Empty() {
				fmt.Fprintf(e.Out, "%s: nothing to %s, already in place on %s\n", strings.Join(names, ", "), name, p.Node)
			}
			return err
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

// showUnprovision prints the plan an unprovision asks about, again when
// the state moved and the plan made again has other steps.
func showUnprovision(e *cli.Env, s engine.Shown) error {
	if s.Prev != nil {
		fmt.Fprintf(e.Out, "\nThe state of node %s moved under the plan above (%s): planned again.\n\n", s.Plan.Node, strings.Join(s.Moved, ", "))
	}
	if !s.Plan.Empty() {
		plan.WriteText(e.Out, s.Plan, e.Colors(e.Out))
	}
	return nil
}

func confirmUnprovision(e *cli.Env) error {
	if !e.Confirm(os.Stdin, "Unprovision destroys the data of these resources. Continue?") {
		return cli.ErrReported
	}
	return nil
}

// splitRIDs separates resource ids ("app#web") from service names and
// selectors.
func splitRIDs(args []string) (services, rids []string) {
	for _, a := range args {
		if strings.Contains(a, "#") {
			rids = append(rids, a)
		} else {
			services = append(services, a)
		}
	}
	return services, rids
}
