// Command omapply converges a node: it runs the ordered driver calls of a
// plan, rolling back a failed start.
package main

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/omhcl/omhcl/cmd/internal/cli"
	"github.com/omhcl/omhcl/engine"
	"github.com/omhcl/omhcl/internal/buildinfo"
	"github.com/omhcl/omhcl/internal/clidocs"
	"github.com/omhcl/omhcl/lang"
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
	var sel cli.Selection
	var autoApprove bool
	cmd := &cobra.Command{
		Use:   "omapply [PLANFILE | PATH...]",
		Short: "Converge this node to its services' configuration",
		Long: `omapply plans like omplan, then runs the plan's driver calls in order. Given a
saved plan (omplan -out FILE) it applies exactly that plan, and refuses it if
the node's state changed since, or if it was already applied.

Without a plan file it takes the services' locks before planning, so no
other omhcl run moves the state between the plan and its steps. When
something else does (a container engine finishing what a killed command
asked), it plans again, up to 5 plans over about 2 s. A plan made again with
other steps is printed, and asked about again on a terminal; without a
terminal it is applied only with -auto-approve.

On a terminal it asks for confirmation unless -auto-approve; without a
terminal (CI, pipes) it never prompts. A start that fails part way stops what
it started, in reverse. One run at a time per service: a second run waits up
to --lock-timeout.

Exit codes: 0 success (including nothing to do), 1 error.`,
		Example: `  omapply /etc/omhcl
  omapply -auto-approve --rid app#web examples/getting-started
  omplan -out svc1.plan /etc/omhcl && omapply svc1.plan`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 && plan.IsSaved(args[0]) {
				return applySaved(cmd.Context(), e, args[0])
			}
			return applyPaths(cmd.Context(), e, sel, autoApprove, args)
		},
	}
	cmd.SetContext(context.Background())
	e.AddFlags(cmd.Flags())
	e.AddLockFlag(cmd.Flags())
	sel.AddFlags(cmd.Flags(), true)
	cmd.Flags().BoolVar(&autoApprove, "auto-approve", false, "do not ask for confirmation on a terminal")
	return cmd
}

func applyPaths(ctx context.Context, e *cli.Env, sel cli.Selection, autoApprove bool, args []string) error {
	cfg, err := e.LoadConfig(cli.ConfigPaths(args))
	if err != nil {
		return err
	}
	local, err := handToCluster(ctx, e, cfg, sel)
	if err != nil || len(local) == 0 {
		return err
	}
	sel.Services = local
	req, err := e.Request(cfg, e.Drivers(cfg), sel)
	if err != nil {
		return err
	}
	ask := !autoApprove && cli.Interactive()
	var approve func(*plan.Plan) error
	if ask {
		approve = func(p *plan.Plan) error { return confirm(e, p) }
	}
	p, err := e.Converge(ctx, cfg, req, func(s engine.Shown) error { return show(e, s, autoApprove, ask) }, approve)
	if err != nil || p.Empty() {
		return err
	}
	fmt.Fprintf(e.Out, "\n%s %s\n", e.Colors(e.Out).Green("Apply complete!"), plan.AppliedSummary(p))
	return nil
}

// show prints a plan before it is applied. A plan made again because the
// state moved under the one printed before, with other steps, is printed
// too; without a terminal and without -auto-approve it is not applied:
// nobody approved it, and whoever reads the output saw other steps.
func show(e *cli.Env, s engine.Shown, autoApprove, ask bool) error {
	if s.Prev != nil {
		fmt.Fprintf(e.Out, "The state of node %s moved under the plan above (%s): planned again.\n\n", s.Plan.Node, strings.Join(s.Moved, ", "))
	}
	plan.WriteText(e.Out, s.Plan, e.Colors(e.Out))
	switch {
	case s.Plan.Empty() || ask:
	case s.Prev != nil && !autoApprove:
		return fmt.Errorf("the state of node %s moved after the plan was printed, and the plan made again (printed last) has other steps: nothing was applied. Without a terminal to ask on and without -auto-approve, omapply applies only the plan it printed first: run it again, or with -auto-approve to apply the plan the state calls for then", s.Plan.Node)
	default:
		fmt.Fprintln(e.Out)
	}
	return nil
}

// confirm asks on the terminal whether to apply p.
func confirm(e *cli.Env, p *plan.Plan) error {
	if !e.Confirm(os.Stdin, "Do you want to perform these actions on node "+p.Node+"?") {
		fmt.Fprintln(e.Out, "Apply cancelled.")
		return cli.ErrReported
	}
	fmt.Fprintln(e.Out)
	return nil
}

// handToCluster gives the selected services to the cluster daemon when one
// runs here, and returns those omapply still converges itself.
func handToCluster(ctx context.Context, e *cli.Env, cfg *lang.Config, sel cli.Selection) ([]string, error) {
	var names []string
	for _, s := range cfg.Services {
		if len(sel.Services) == 0 || slices.Contains(sel.Services, s.Name) {
			names = append(names, s.Name)
		}
	}
	local, _, err := e.HandToCluster(ctx, cfg, names)
	return local, err
}

func applySaved(ctx context.Context, e *cli.Env, path string) error {
	saved, cfg, err := plan.LoadSaved(path)
	if err != nil {
		return err
	}
	store := e.Store()
	if node := e.NodeName(); saved.Options.Node != node {
		return fmt.Errorf("%s was planned for node %s; this is node %s", path, saved.Options.Node, node)
	}
	if done, at := store.PlanApplied(saved.Plan.ID); done {
		return fmt.Errorf("%s was already applied on %s at %s; run omplan again", path, saved.Options.Node, at.Format("2006-01-02 15:04:05"))
	}
	// Once verified under the locks the plan is consumed, whatever the
	// steps then do: a second omapply of the file is refused.
	verify := func(ctx context.Context) error {
		if err := saved.Verify(ctx, cfg, plan.Drivers{Store: store}); err != nil {
			return err
		}
		return store.MarkPlanApplied(saved.Plan.ID)
	}
	if err := e.Apply(ctx, cfg, saved.Plan, verify); err != nil {
		return err
	}
	fmt.Fprintf(e.Out, "\n%s %s\n", e.Colors(e.Out).Green("Apply complete!"), plan.AppliedSummary(saved.Plan))
	return nil
}
