package main

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/omhcl/omhcl/cmd/internal/cli"
	"github.com/omhcl/omhcl/plan"
	"github.com/omhcl/omhcl/state"
	"github.com/spf13/cobra"
)

// newLogs is om SVC logs: the service's recent actions on this node.
func newLogs(e *cli.Env, cf *configFlags) *cobra.Command {
	var last int
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "logs SERVICE...",
		Short: "Show the recent actions on services on this node, from its record",
		Long: `logs prints what was done to the services on this node, oldest first: when,
the steps applied (start ip#web...), the outcome and how long it took, what
was rolled back after a failure, and who asked: the command line (om SVC
start, omapply) or the daemon with its decision and why (a failover start,
a monitor restart, a drain's stop, a fence). Every apply records its steps
in STATE_DIR/services/SVC/actions.jsonl, the last 200 per service; an
action that found nothing to do is not recorded. Other nodes keep their own
record: run om SVC logs there (om mon shows where the service ran).`,
		Example: "  om web logs\n  om web logs -n 5\n  om web logs --json | jq 'select(.outcome == \"failed\")'",
		Args:    cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			names, err := cf.resolve(e, args)
			if err != nil {
				return err
			}
			var all []state.Action
			for _, n := range names {
				acts, err := e.Store().Actions(n)
				if err != nil {
					return err
				}
				all = append(all, acts...)
			}
			sort.SliceStable(all, func(i, j int) bool { return all[i].Time.Before(all[j].Time) })
			if last > 0 && len(all) > last {
				all = all[len(all)-last:]
			}
			if asJSON {
				enc := json.NewEncoder(e.Out)
				for _, a := range all {
					if err := enc.Encode(a); err != nil {
						return err
					}
				}
				return nil
			}
			if len(all) == 0 {
				fmt.Fprintf(e.Err, "%s: no action recorded on %s\n", strings.Join(names, ", "), e.NodeName())
				return nil
			}
			for _, a := range all {
				writeAction(e.Out, a, e.Colors(e.Out))
			}
			return nil
		},
	}
	cmd.Flags().IntVarP(&last, "last", "n", 20, "the last N actions (0: all those kept)")
	cmd.Flags().BoolVar(&asJSON, "json", false, "one JSON object a line (the record as kept)")
	return cmd
}

// writeAction prints one recorded action: a line of what and how it
// went, then its details indented.
func writeAction(w io.Writer, a state.Action, col plan.Colors) {
	outcome := col.Green("ok")
	if a.Outcome != "ok" {
		outcome = col.Red(strings.ToUpper(a.Outcome))
	}
	fmt.Fprintf(w, "%s %s %s: %s: %s in %.2fs\n", a.Time.Local().Format("2006-01-02 15:04:05"), a.Node, a.Service,
		strings.Join(a.Steps, ", "), outcome, a.Seconds)
	if a.Error != "" {
		fmt.Fprintf(w, "  error: %s\n", a.Error)
	}
	if len(a.RolledBack) > 0 {
		fmt.Fprintf(w, "  rolled back: %s\n", strings.Join(a.RolledBack, ", "))
	}
	for _, warn := range a.Warnings {
		fmt.Fprintf(w, "  warning: %s\n", warn)
	}
	fmt.Fprintf(w, "  by %s\n", a.By)
}
