package main

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/omhcl/omhcl/cmd/internal/cli"
	"github.com/omhcl/omhcl/engine"
	"github.com/omhcl/omhcl/wire"
	"github.com/spf13/cobra"
)

var orchestrationShort = map[string]string{
	"switch":   "Move a service to another node (the next one, or --to NODE)",
	"takeover": "Move a service to this node (a drp node too); in a split where no side holds a majority, start it here on your word that the other copy is gone",
	"giveback": "Move a service back to its first alive node",
	"freeze":   "Stop orchestrating a service: no failover, no restarts",
	"thaw":     "Resume orchestrating a service",
	"clear":    "Forget the monitor's verdicts: nodes where the service failed are candidates again",
}

// newOrchestration builds switch, takeover, giveback, freeze and thaw:
// requests to the daemon's orchestrator, which acts on every node.
func newOrchestration(e *cli.Env, cf *configFlags, name string) *cobra.Command {
	var to string
	var force, live bool
	var wait time.Duration
	cmd := &cobra.Command{
		Use:     name + " SERVICE",
		Short:   orchestrationShort[name],
		Example: fmt.Sprintf("  om svc1 %s", name),
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := wire.Connect(cmd.Context(), e.Store().Root)
			if err != nil {
				return fmt.Errorf("%s needs the cluster daemon: %w", name, err)
			}
			if live {
				if err := liveSwitchable(e, cf, args); err != nil {
					return err
				}
			}
			return request(cmd.Context(), e, cf, c, args, wire.ActionRequest{Action: name, To: to, Force: force}, wait)
		},
	}
	switch name {
	case "switch":
		cmd.Flags().StringVar(&to, "to", "", "the node to move to (default: the next alive node)")
		cmd.Flags().BoolVar(&live, "live", false, "migrate the running container live (its live_migrate = true makes every planned move live; --live refuses a service without it)")
	case "takeover":
		cmd.Flags().BoolVar(&force, "force", false, "on a node that lost the majority: vouch that the nodes it lost are down (their site is lost); they stop counting toward the quorum until seen alive again")
	}
	cmd.Flags().DurationVar(&wait, "wait", 60*time.Second, "how long to wait for the cluster to get there (0: do not wait)")
	return cmd
}

// liveSwitchable checks the services of a switch --live have a container
// that migrates live: without one, the switch would stop and start them.
func liveSwitchable(e *cli.Env, cf *configFlags, selectors []string) error {
	cfg, names, err := cf.services(e, selectors)
	if err != nil {
		return err
	}
	for _, svc := range names {
		if engine.MigratableRID(cfg, e.NodeName(), svc) == "" {
			return fmt.Errorf("%s: --live needs a container with live_migrate = true (container.kvm): without one, a switch stops the service here and starts it there", svc)
		}
	}
	return nil
}

// request asks the orchestrator for an action on the services selectors
// pick, one after the other, each waited for.
func request(ctx context.Context, e *cli.Env, cf *configFlags, c *wire.Client, selectors []string, req wire.ActionRequest, wait time.Duration) error {
	services, err := cf.resolve(e, selectors)
	if err != nil {
		return err
	}
	req.From = e.NodeName()
	for _, svc := range services {
		st, err := c.Action(ctx, svc, req)
		if err != nil {
			return err
		}
		warnMaintenance(ctx, e, c, svc, req.Action, st.Preferred)
		if err := waitPlacement(ctx, e, c, svc, req.Action, st.Preferred, wait); err != nil {
			return err
		}
	}
	return nil
}

// waitPlacement waits until the service runs where the action wants it:
// on the node it moves to (switch, takeover, giveback), on exactly one node
// (start), nowhere (stop). Then it prints the placement.
func waitPlacement(ctx context.Context, e *cli.Env, c *wire.Client, svc, action, to string, wait time.Duration) error {
	if wait == 0 || action == "freeze" || action == "thaw" || action == "clear" {
		fmt.Fprintf(e.Out, "%s: %s requested\n", svc, action)
		return nil
	}
	deadline := time.Now().Add(wait)
	var last *wire.MonService
	for {
		v, err := c.Mon(ctx)
		if err != nil {
			return err
		}
		for _, s := range v.Services {
			if s.Name != svc {
				continue
			}
			last = &s
			var done bool
			switch action {
			case "stop":
				done = len(s.Running) == 0
			case "switch", "takeover", "giveback":
				done = len(s.Running) == 1 && s.Running[0] == to
			default:
				done = len(s.Running) == 1 || (s.Topology == "flex" && len(s.Running) > 0)
			}
			// a resource may read up before its start ends (a guest runs
			// before its agent answers): done once no node acts on it
			for _, in := range s.Instances {
				if in != nil && in.Busy != "" {
					done = false
				}
			}
			if failed := migrationFailed(s, action, to); failed != "" {
				return fmt.Errorf("%s: %s", svc, failed)
			}
			if done {
				where := "nowhere"
				if len(s.Running) > 0 {
					where = s.Running[0]
				}
				fmt.Fprintf(e.Out, "%s: %s done: running on %s\n", svc, action, where)
				return nil
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s: %s not done after %s%s: see om mon", svc, action, wait, whyNotDone(last))
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// whyNotDone says where s runs and what failed on its nodes lately (a
// stop that libvirtd refused), for a wait that timed out.
func whyNotDone(s *wire.MonService) string {
	if s == nil {
		return ""
	}
	where := "running nowhere"
	if len(s.Running) > 0 {
		where = "running on " + strings.Join(s.Running, ", ")
	}
	var failed []string
	for _, node := range slices.Sorted(maps.Keys(s.Instances)) {
		if in := s.Instances[node]; in != nil && strings.Contains(in.Note, "failed") {
			note, _, _ := strings.Cut(in.Note, "\n")
			failed = append(failed, node+": "+note)
		}
	}
	if len(failed) == 0 {
		return " (" + where + ")"
	}
	return " (" + where + "; " + strings.Join(failed, "; ") + ")"
}

// migrationFailed is the note of a live migration of a switch that failed:
// the node running the service claimed it back, and it runs there still.
func migrationFailed(s wire.MonService, action, to string) string {
	if action != "switch" || s.Preferred == to || len(s.Running) != 1 || s.Running[0] != s.Preferred {
		return ""
	}
	if in := s.Instances[s.Running[0]]; in != nil && strings.HasPrefix(in.Note, "migrate failed") {
		return in.Note
	}
	return ""
}
