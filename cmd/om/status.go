package main

import (
	"context"
	"encoding/json"
	"slices"

	"github.com/omhcl/omhcl/cmd/internal/cli"
	"github.com/omhcl/omhcl/lang"
	"github.com/omhcl/omhcl/plan"
	"github.com/spf13/cobra"
)

func newStatus(e *cli.Env, cf *configFlags) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "status [SERVICE...]",
		Short: "Show services and their resources on this node",
		Long: `status prints each service's tree: the instance on this node and a line per
resource with its flags, status and description. The flags columns are:
  1 R an action is running     5 E encap resource
  2 M monitored                6 P not provisioned (/ = nothing to provision)
  3 D disabled                 7 S standby
  4 O optional                 8 restarts allowed by the monitor
--json prints the live state document omplan --snapshot plans against.
The last line, sync#i0, is the daemon's distribution of the service's
configuration (config_sync in --json): up when every alive node of the
service holds its newest generation, warn naming the nodes that lag, n/a
without a daemon.
status checks every resource now, through its driver. The level inside the
containers of an encapsulated service is folded under each container line,
as the agent there last reported it (reused for 30 s, its age shown);
-r (--refresh, the seed's "print status -r") asks the agents now.`,
		Example: "  om status\n  om svc1 print status -r\n  om 'web*' status\n  om status --json | jq '.services[].status'",
		RunE: func(cmd *cobra.Command, args []string) error {
			live, err := observe(cmd.Context(), e, cf, args)
			if err != nil {
				return err
			}
			addConfigSync(cmd.Context(), e, live)
			if asJSON {
				enc := json.NewEncoder(e.Out)
				enc.SetIndent("", "  ")
				return enc.Encode(live)
			}
			writeTree(e.Out, live, e.Colors(e.Out))
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the live state as JSON")
	cmd.Flags().BoolVarP(&e.Refresh, "refresh", "r", false, "ask the agents inside containers now, not their status of the last 30 s")
	return cmd
}

// observe reads the live state of the named services (default: those this
// node takes part in or has a record of).
func observe(ctx context.Context, e *cli.Env, cf *configFlags, services []string) (*plan.Live, error) {
	cfg, services, err := cf.services(e, services)
	if err != nil {
		return nil, err
	}
	src := e.Drivers(cfg)
	node := e.NodeName()
	live := &plan.Live{FormatVersion: plan.LiveFormatVersion, Node: node}
	for _, svc := range cfg.Services {
		if len(services) > 0 && !slices.Contains(services, svc.Name) {
			continue
		}
		_, li, diags := src.Instance(ctx, svc, node)
		if diags.HasErrors() {
			lang.WriteDiagnostics(e.Err, cfg.Files, diags, bool(e.Colors(e.Err)))
			return nil, cli.ErrReported
		}
		if len(services) == 0 && li.Role == "" && !anyApplied(li) {
			continue
		}
		live.Services = append(live.Services, li)
	}
	return live, nil
}

func anyApplied(li *plan.LiveInstance) bool {
	for _, r := range li.Resources {
		if r.Applied != nil {
			return true
		}
	}
	return false
}
