package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"

	"github.com/omhcl/omhcl/cmd/internal/cli"
	"github.com/omhcl/omhcl/plan"
	"github.com/spf13/cobra"
)

type planFlags struct {
	sel              cli.Selection
	json, markdown   bool
	out              string
	snapshot         string
	cluster          bool
	detailedExitcode bool
}

func newRoot(e *cli.Env) *cobra.Command {
	var f planFlags
	cmd := &cobra.Command{
		Use:   "omplan [PATH...]",
		Short: "Show what omapply would change on a node",
		Long: `omplan diffs the live state of a node against its services' configuration
and prints the ordered operations omapply would run. PATH is a .hcl file or a
directory of them (default $OMHCL_CONFIG, else /etc/omhcl).

A plan whose operations would certainly fail (a volume group to create
without pvs, an address whose name does not resolve) is an error: it is
reported at the attribute in the file, and -json gives it in "diagnostics"
with "errored": true. Planning from a --snapshot, what only the planning
host sees (its resolver) is a warning instead.

-desired says what the services should be on this node (default: up on
the first node of nodes, standby on the others, down elsewhere). -target
ADDR (repeatable) limits the plan to a resource, by its address as plans
print it (web.ip#0; web.app for every app of web; web for the service),
with what it needs: what it refers to when it goes up, what refers to it
when it goes down. --rid and --tag, as in om, select exactly the
resources they name. -target up|down|... is the old spelling of
-desired, still taken with a warning.

Exit codes: 0 success (with -detailed-exitcode: no changes), 1 error,
2 changes present (only with -detailed-exitcode).`,
		Example: `  omplan /etc/omhcl
  omplan -json examples/getting-started | jq '.resource_changes[].actions'
  omplan -target web.fs#data /etc/omhcl   # the filesystem, and the disk it sits on
  omplan -desired down -target web.ip#0 /etc/omhcl
  omplan --node demo2 --snapshot demo2-status.json services/
  omplan -out svc1.plan /etc/omhcl && omapply svc1.plan
  omplan -markdown -detailed-exitcode services/ > plan.md
  omplan --cluster services/     # every node, with the orchestrator's placement`,
		Args: cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error { return runPlan(cmd.Context(), e, f, args) },
	}
	cmd.SetContext(context.Background())
	fs := cmd.Flags()
	e.AddFlags(cmd.PersistentFlags())
	f.sel.AddFlags(fs, true)
	fs.BoolVar(&f.json, "json", false, "print the plan as a versioned JSON document")
	fs.BoolVar(&f.markdown, "markdown", false, "print a compact markdown summary (for pull-request comments)")
	fs.StringVar(&f.out, "out", "", "save the plan to this file, for omapply FILE")
	fs.StringVar(&f.snapshot, "snapshot", "", "plan against this live state (om status --json output) instead of the node's drivers")
	fs.BoolVar(&f.cluster, "cluster", false, "plan every alive node of the cluster from its live state, with the orchestrator's placement (needs the daemon)")
	fs.BoolVar(&f.detailedExitcode, "detailed-exitcode", false, "exit 0 when there are no changes, 2 when there are, 1 on error")
	cmd.AddCommand(newValidate(e), newFmt(e), newShow(e))
	return cmd
}

func runPlan(ctx context.Context, e *cli.Env, f planFlags, args []string) error {
	if paths := cli.ConfigPaths(args); streams(f, paths) {
		if err := runStream(ctx, e, f, paths); err != errNoStream {
			return err
		}
	}
	cfg, err := e.LoadConfig(cli.ConfigPaths(args))
	if err != nil {
		return err
	}
	if f.cluster {
		return planCluster(ctx, e, cfg, f)
	}
	var src plan.Source = e.Drivers(cfg)
	if f.snapshot != "" {
		live, err := readSnapshot(f.snapshot)
		if err != nil {
			return err
		}
		if e.Node == "" && os.Getenv("OMHCL_NODE") == "" {
			e.Node = live.Node
		}
		src = plan.Snapshot{Live: live}
	}
	req, err := e.Request(cfg, src, f.sel)
	if err != nil {
		return err
	}
	p, _, err := e.MakePlan(ctx, req)
	if err != nil {
		if f.json && p != nil {
			plan.WriteJSON(e.Out, p) // the errors, as a document for CI
		}
		return err
	}
	if f.out != "" {
		sources := map[string][]byte{}
		for name, file := range cfg.Files {
			sources[name] = file.Bytes
		}
		if err := plan.Save(f.out, p, req, sources); err != nil {
			return err
		}
	}
	switch {
	case f.json:
		err = plan.WriteJSON(e.Out, p)
	case f.markdown:
		plan.WriteMarkdown(e.Out, p)
	default:
		plan.WriteText(e.Out, p, e.Colors(e.Out))
		if f.out != "" {
			fmt.Fprintf(e.Out, "\nSaved the plan to %s. To apply exactly these actions, run:\n    omapply %s\n", f.out, f.out)
		}
	}
	if err != nil {
		return err
	}
	if f.detailedExitcode && !p.Empty() {
		return cli.ExitError{Code: 2}
	}
	return nil
}

func readSnapshot(path string) (*plan.Live, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var live plan.Live
	if err := json.Unmarshal(b, &live); err != nil {
		return nil, fmt.Errorf("%s: not an om status --json document: %w", path, err)
	}
	if live.FormatVersion != plan.LiveFormatVersion {
		return nil, fmt.Errorf("%s: live state format %q, this omplan reads %s", path, live.FormatVersion, plan.LiveFormatVersion)
	}
	return &live, nil
}
