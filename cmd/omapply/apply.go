package main

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/omhcl/omhcl/apply"
	"github.com/omhcl/omhcl/cmd/internal/cli"
	"github.com/omhcl/omhcl/engine"
	"github.com/omhcl/omhcl/lang"
	"github.com/omhcl/omhcl/plan"
)

// options are omapply's own flags.
type options struct {
	sel         cli.Selection
	autoApprove bool
	// input false: never ask (-input=false)
	input bool
	json  bool
}

// run is one omapply: its flags, and its events when -json.
type run struct {
	e  *cli.Env
	o  options
	ev *events // nil without -json
	// p and res are what was planned and applied, for the outcome
	p   *plan.Plan
	res *apply.Result
	// handed are the services handed to the cluster daemon, which places
	// them
	handed []string
}

// newRun prepares a run. With -json the events go to stdout and every
// human line (driver log aside) to stderr.
func newRun(e *cli.Env, o options) *run {
	r := &run{e: e, o: o}
	if o.json {
		r.ev = newEvents(e.Out, e.NodeName())
		e.Out = e.Err
	}
	return r
}

// asks says whether omapply asks for approval: on a terminal, unless
// -auto-approve or -input=false.
func (r *run) asks() bool { return !r.o.autoApprove && r.o.input && cli.Interactive() }

// noApproval is the refusal of a plan nobody can approve.
func (r *run) noApproval(what string) error {
	why := "no terminal to ask for approval"
	if !r.o.input {
		why = "-input=false: no approval asked"
	}
	return fmt.Errorf("%s: %s, nothing changed. Run omapply with -auto-approve, or save the plan with omplan -out FILE and apply it with omapply FILE", why, what)
}

// hooks are the engine's and apply's hooks of this run.
func (r *run) hooks() cli.Hooks {
	h := cli.Hooks{Show: r.show}
	switch {
	case r.o.autoApprove:
	case r.asks():
		h.Approve = r.confirm
	default:
		h.Approve = func(p *plan.Plan) error { return r.noApproval("the plan above was not applied") }
	}
	if r.ev != nil {
		h.Log = r.ev.log
		h.Step = r.ev.step
	}
	return h
}

// end reports the run's outcome: the last event with -json, the closing
// line otherwise.
func (r *run) end(err error) error {
	if r.ev != nil {
		r.ev.outcome(r.p, r.res, r.handed, err)
		return err
	}
	if err == nil && r.res != nil {
		fmt.Fprintf(r.e.Out, "\n%s %s\n", r.e.Colors(r.e.Out).Green("Apply complete!"), plan.AppliedSummary(r.p))
	}
	return err
}

func (r *run) applyPaths(ctx context.Context, args []string) error {
	e := r.e
	cfg, err := e.LoadConfig(cli.ConfigPaths(args))
	if err != nil {
		return err
	}
	if err := e.Resolve(cfg, &r.o.sel); err != nil {
		return err
	}
	local, err := r.handToCluster(ctx, cfg)
	if err != nil || len(local) == 0 {
		return err
	}
	r.o.sel.Services = local
	req, err := e.Request(cfg, e.Drivers(cfg), r.o.sel)
	if err != nil {
		return err
	}
	p, res, err := e.ConvergeWith(ctx, cfg, req, r.hooks())
	r.p, r.res = p, res
	return err
}

// show prints a plan before it is applied (with -json, its event). A plan
// made again because the state moved under the one printed before, with
// other steps, is printed too.
func (r *run) show(s engine.Shown) error {
	if r.ev != nil {
		r.ev.plan(s.Plan, s.Prev != nil, s.Moved)
		return nil
	}
	e := r.e
	if s.Prev != nil {
		fmt.Fprintf(e.Out, "The state of node %s moved under the plan above (%s): planned again.\n\n", s.Plan.Node, strings.Join(s.Moved, ", "))
	}
	plan.WriteText(e.Out, s.Plan, e.Colors(e.Out))
	if !s.Plan.Empty() && !r.asks() {
		fmt.Fprintln(e.Out)
	}
	return nil
}

// confirm asks on the terminal whether to apply p.
func (r *run) confirm(p *plan.Plan) error {
	if !r.e.Confirm(os.Stdin, "Do you want to perform these actions on node "+p.Node+"?") {
		fmt.Fprintln(r.e.Out, "Apply cancelled.")
		return cli.ErrReported
	}
	fmt.Fprintln(r.e.Out)
	return nil
}

// handToCluster gives the selected services to the cluster daemon when one
// runs here, and returns those omapply still converges itself. A
// configuration the daemon does not have yet is a change: without
// approval it is not handed.
func (r *run) handToCluster(ctx context.Context, cfg *lang.Config) ([]string, error) {
	var names []string
	for _, s := range cfg.Services {
		if len(r.o.sel.Services) == 0 || slices.Contains(r.o.sel.Services, s.Name) {
			names = append(names, s.Name)
		}
	}
	if !r.o.autoApprove && !r.asks() {
		if changed, daemon := r.e.ClusterChanges(ctx, cfg, names); daemon && len(changed) > 0 {
			return nil, r.noApproval("the configuration of " + strings.Join(changed, ", ") + " was not handed to the cluster daemon")
		}
	}
	local, handed, err := r.e.HandToCluster(ctx, cfg, names)
	if handed && err == nil {
		for _, n := range names {
			if !slices.Contains(local, n) {
				r.handed = append(r.handed, n)
			}
		}
	}
	return local, err
}

func (r *run) applySaved(ctx context.Context, path string) error {
	e := r.e
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
	if r.ev != nil {
		r.ev.plan(saved.Plan, false, nil)
	}
	// Once verified under the locks the plan is consumed, whatever the
	// steps then do: a second omapply of the file is refused.
	verify := func(ctx context.Context) error {
		if err := saved.Verify(ctx, cfg, plan.Drivers{Store: store}); err != nil {
			return err
		}
		return store.MarkPlanApplied(saved.Plan.ID)
	}
	h := r.hooks()
	r.res, err = e.Apply(ctx, cfg, saved.Plan, verify, cli.Hooks{Log: h.Log, Step: h.Step})
	if r.res != nil {
		r.p = saved.Plan
	}
	return err
}
