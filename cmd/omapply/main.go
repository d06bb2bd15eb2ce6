// Command omapply converges a node: it runs the ordered driver calls of a
// plan, rolling back a failed start.
package main

import (
	"context"
	"errors"
	"os"

	"github.com/omhcl/omhcl/cmd/internal/cli"
	"github.com/omhcl/omhcl/internal/buildinfo"
	"github.com/omhcl/omhcl/internal/clidocs"
	"github.com/omhcl/omhcl/plan"
	"github.com/spf13/cobra"
)

func main() {
	root := newRoot(cli.New())
	// --version only: a "version" command would hide a directory of that name.
	buildinfo.AddVersion(root, false)
	if clidocs.Requested(os.Args[1:]) {
		cli.Exit(root, clidocs.Run(root, os.Args[2:], os.Stdout))
	}
	cli.Main(root, os.Args[1:])
}

func newRoot(e *cli.Env) *cobra.Command {
	var o options
	cmd := &cobra.Command{
		Use:   "omapply [PLANFILE | PATH...]",
		Short: "Converge this node to its services' configuration",
		Long: `omapply plans like omplan, then runs the plan's driver calls in order. Given a
saved plan (omplan -out FILE) it applies exactly that plan, without asking:
it was reviewed when saved. It refuses the plan if the node's state changed
since, or if it was already applied.

Approval, as in Terraform: on a terminal omapply prints the plan and asks
before any change; -auto-approve applies without asking. Without a
terminal (CI, cron, a pipe) or with -input=false, it never asks, so
without -auto-approve it prints the plan, refuses it, exits 1 and changes
nothing, nor hands a changed configuration to the cluster daemon. An empty
plan needs no approval.

Without a plan file it takes the services' locks before planning, so no
other omhcl run moves the state between the plan and its steps. When
something else does (a container engine finishing what a killed command
asked), it plans again, up to 5 plans over about 2 s. A plan made again with
other steps is printed, and asked about again on a terminal. A start that
fails part way stops what it started, in reverse. One run at a time per
service: a second run waits up to --lock-timeout.

-desired and -target select as in omplan: -target ADDR limits the apply to
that resource (web.ip#0, web.app, web) and what it needs.

-json writes the apply as events, one JSON object per line on stdout (the
plan, each step's start and end with its duration and output, the outcome;
docs/omapply.md lists them); the human text goes to stderr. It never asks,
so it needs -auto-approve or a saved plan.

Exit codes: 0 success (including nothing to do), 1 error, or a plan not
approved.`,
		Example: `  omapply /etc/omhcl
  omapply -auto-approve --rid app#web examples/getting-started
  omapply -auto-approve -target web.fs#data /etc/omhcl
  omplan -out svc1.plan /etc/omhcl && omapply svc1.plan
  omapply -json -auto-approve /etc/omhcl | jq -c 'select(.type == "apply_complete")'`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if o.json && !o.autoApprove && !(len(args) == 1 && plan.IsSaved(args[0])) {
				return errors.New("-json needs -auto-approve or a saved plan: omapply cannot ask for approval while it writes JSON. Apply a plan saved by omplan -out FILE, or add -auto-approve")
			}
			run := newRun(e, o)
			if len(args) == 1 && plan.IsSaved(args[0]) {
				if cmd.Flags().Changed("target") || cmd.Flags().Changed("desired") {
					return run.end(errors.New("a saved plan applies as it was planned: give -target and -desired to omplan"))
				}
				return run.end(run.applySaved(cmd.Context(), args[0]))
			}
			return run.end(run.applyPaths(cmd.Context(), args))
		},
	}
	cmd.SetContext(context.Background())
	e.AddFlags(cmd.Flags())
	e.AddLockFlag(cmd.Flags())
	o.sel.AddFlags(cmd.Flags(), true)
	cmd.Flags().BoolVar(&o.autoApprove, "auto-approve", false, "apply without asking for approval")
	cmd.Flags().BoolVar(&o.input, "input", true, "ask for approval on a terminal; -input=false never asks: without -auto-approve, omapply then refuses")
	cmd.Flags().BoolVar(&o.json, "json", false, "write the apply as JSON events, one per line (needs -auto-approve or a saved plan)")
	return cmd
}
