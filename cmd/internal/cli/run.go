package cli

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/omhcl/omhcl/apply"
	"github.com/omhcl/omhcl/encap"
	"github.com/omhcl/omhcl/engine"
	"github.com/omhcl/omhcl/lang"
	"github.com/omhcl/omhcl/plan"
	"github.com/omhcl/omhcl/providers"
	"github.com/omhcl/omhcl/state"
	"github.com/omhcl/omhcl/wire"
	"github.com/spf13/pflag"
)

// Selection narrows a plan: services, resources, tags, resource
// addresses (-target), and says what the services should be.
type Selection struct {
	Services []string
	RIDs     []string
	Tags     []string
	// Target is the desired state (-desired): up, standby, down,
	// provision, unprovision; "" for each service's default.
	Target string
	// Addresses are -target's resource addresses (plan.ParseAddress).
	Addresses []string
	Levels    plan.Levels
}

// AddFlags registers the selection flags.
func (s *Selection) AddFlags(fs *pflag.FlagSet, withTarget bool) {
	fs.StringSliceVar(&s.Services, "service", nil, "only these services (repeatable, comma separated)")
	fs.StringSliceVar(&s.RIDs, "rid", nil, `only these resources: "app#web", or a kind like "app" for all of them`)
	fs.StringSliceVar(&s.Tags, "tag", nil, "only resources carrying one of these tags")
	fs.BoolVar(&s.Levels.Master, "master", false, "encapsulated services: act on this node's own resources")
	fs.StringSliceVar(&s.Levels.Slaves, "slave", nil, "encapsulated services: act on the level inside this container (its encap node name; repeatable)")
	fs.BoolVar(&s.Levels.AllSlaves, "slaves", false, "encapsulated services: act on the level inside every container")
	if withTarget {
		fs.StringVar(&s.Target, "desired", "", "what the services should be on this node, `STATE`: up, standby, down, provision, unprovision (default: up on the first node of nodes, standby on the others)")
		fs.StringArrayVar(&s.Addresses, "target", nil, "only the resource at `ADDR` and what it needs; ADDR as plans print it: web.ip#0, web.app (every app of web), web (repeatable; up, down...: the deprecated spelling of -desired)")
	}
}

// Drivers is the node's live state: its drivers, and the agents inside
// the containers of encapsulated services.
func (e *Env) Drivers(cfg *lang.Config) plan.Drivers {
	return plan.Drivers{Store: e.Store(), Agents: e.Agents(cfg), Refresh: e.Refresh}
}

// Agents reach the agents inside containers, pushing cfg's services to
// them. A newer configuration edited inside is only reported: the daemon,
// when one runs here, pulls it.
func (e *Env) Agents(cfg *lang.Config) *encap.Agents {
	return &encap.Agents{Store: e.Store(), Config: func(svc string) *state.ConfigEntry { return e.configEntry(cfg, svc) }, DaemonRuns: e.daemonRuns}
}

// daemonRuns says whether the node's daemon answers.
func (e *Env) daemonRuns() bool {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	_, err := wire.Connect(ctx, e.Store().Root)
	return err == nil
}

// configEntry is the node's configuration of svc with its generation: the
// daemon's when one runs, else the kept one, a generation further when
// the configuration files changed it.
func (e *Env) configEntry(cfg *lang.Config, svc string) *state.ConfigEntry {
	src := string(cfg.ServiceSource(svc))
	store := e.Store()
	kept := store.LoadConfig(svc)
	if kept != nil && kept.Source == src {
		return kept
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if _, err := wire.Connect(ctx, store.Root); err == nil && kept != nil {
		return kept // the daemon keeps the generations
	}
	next, err := state.NewConfigEntry(svc, src, e.NodeName(), kept)
	if err != nil { // its generations are spent: no version to claim
		fmt.Fprintf(e.Err, "warning: %v\n", err)
		return nil
	}
	if err := store.WriteConfig(next); err != nil {
		fmt.Fprintf(e.Err, "warning: keeping the generation of %s: %v\n", svc, err)
	}
	return next
}

// Request builds the plan request of a selection.
func (e *Env) Request(cfg *lang.Config, src plan.Source, sel Selection) (plan.Request, error) {
	if err := e.Resolve(cfg, &sel); err != nil {
		return plan.Request{}, err
	}
	t := plan.Target(sel.Target)
	for _, s := range sel.Services {
		if cfg.Service(s) == nil {
			return plan.Request{}, ErrNoService(s)
		}
	}
	if err := knownRIDs(cfg, sel); err != nil {
		return plan.Request{}, err
	}
	if err := knownTags(cfg, sel, e.NodeName()); err != nil {
		return plan.Request{}, err
	}
	return plan.Request{
		Config:   cfg,
		Source:   src,
		Services: sel.Services,
		Options:  plan.Options{Node: e.NodeName(), Target: t, RIDs: sel.RIDs, Tags: sel.Tags, Targets: sel.Addresses, Levels: sel.Levels},
	}, nil
}

// knownRIDs refuses a --rid that names no resource of the selected
// services: a typo would otherwise plan nothing and look like success.
func knownRIDs(cfg *lang.Config, sel Selection) error {
next:
	for _, want := range sel.RIDs {
		var have []string
		for _, svc := range cfg.Services {
			if len(sel.Services) > 0 && !slices.Contains(sel.Services, svc.Name) {
				continue
			}
			for _, b := range svc.Blocks {
				if plan.SelectsRID(want, b.RID()) {
					continue next
				}
				have = append(have, b.RID())
			}
		}
		return fmt.Errorf("--rid %s: no such resource (the resources: %s)", want, strings.Join(have, ", "))
	}
	return nil
}

// knownTags refuses a --tag that no resource of the selected services
// carries, on this node or in its containers, as knownRIDs does.
func knownTags(cfg *lang.Config, sel Selection, node string) error {
	if len(sel.Tags) == 0 {
		return nil // nothing to check: no service is evaluated for it
	}
	var have []string
	for _, svc := range cfg.Services {
		if len(sel.Services) > 0 && !slices.Contains(sel.Services, svc.Name) {
			continue
		}
		base, _ := svc.Evaluate(node, nil)
		if base == nil {
			continue
		}
		for _, n := range append([]string{node}, base.Settings.EncapNodes...) {
			if inst, _ := svc.Evaluate(n, nil); inst != nil {
				for _, r := range inst.Resources {
					have = append(have, r.Common.Tags...)
				}
			}
		}
	}
	for _, want := range sel.Tags {
		if !slices.Contains(have, want) {
			slices.Sort(have)
			return fmt.Errorf("--tag %s: no resource carries it (the tags: %s)", want, strings.Join(slices.Compact(have), ", "))
		}
	}
	return nil
}

// MakePlan observes and plans, printing diagnostics. On errors it returns
// ErrReported with the errored plan, which -json still prints.
func (e *Env) MakePlan(ctx context.Context, req plan.Request) (*plan.Plan, []plan.Input, error) {
	p, inputs, diags := plan.Make(ctx, req)
	if len(diags) > 0 {
		lang.WriteDiagnostics(e.Err, req.Config.Files, diags, bool(e.Colors(e.Err)))
	}
	if diags.HasErrors() {
		return p, nil, ErrReported
	}
	return p, inputs, nil
}

// Hooks follow a convergence or an apply: Show and Approve are the
// engine's, Step sees each step begin and end (apply.Options.Step), Log
// is the driver log (nil: on e.Out).
type Hooks struct {
	Show    func(engine.Shown) error
	Approve func(*plan.Plan) error
	Step    func(st plan.Step, rollback bool) func(error)
	Log     *providers.Log
}

func (h Hooks) log(e *Env) *providers.Log {
	if h.Log != nil {
		return h.Log
	}
	return providers.NewLog(e.Out)
}

// Apply executes a saved plan, streaming the driver log, and reports per
// service. The result is nil when the apply did not start (a lock, a
// stale plan).
func (e *Env) Apply(ctx context.Context, cfg *lang.Config, p *plan.Plan, verify func(context.Context) error, h Hooks) (*apply.Result, error) {
	res, err := apply.Run(ctx, apply.Options{
		Config: cfg, Plan: p, Store: e.Store(), Log: h.log(e),
		LockTimeout: e.LockTimeout, Verify: verify, Agents: e.Agents(cfg), Step: h.Step,
	})
	if err != nil {
		return nil, err
	}
	return res, e.report(res)
}

// Converge plans req and applies the plan through the engine, as the
// daemon does: under the services' locks, the plan made again when the
// state moves under it. The planning's diagnostics are printed; show and
// approve, when set, are the engine's Show and Approve. It returns the
// plan applied (empty: nothing to do).
func (e *Env) Converge(ctx context.Context, cfg *lang.Config, req plan.Request, show func(engine.Shown) error, approve func(*plan.Plan) error) (*plan.Plan, error) {
	p, _, err := e.ConvergeWith(ctx, cfg, req, Hooks{Show: show, Approve: approve})
	return p, err
}

// ConvergeWith is Converge with hooks; it returns the apply's result too
// (nil when no step ran).
func (e *Env) ConvergeWith(ctx context.Context, cfg *lang.Config, req plan.Request, h Hooks) (*plan.Plan, *apply.Result, error) {
	o := req.Options
	p, res, err := engine.Converge(ctx, engine.Request{
		Config: cfg, Store: e.Store(), Node: o.Node, Services: req.Services, Target: o.Target, RIDs: o.RIDs, Tags: o.Tags, Targets: o.Targets,
		Levels: o.Levels, Log: h.log(e), LockTimeout: e.LockTimeout, Agents: e.Agents(cfg), Source: req.Source,
		Show: func(s engine.Shown) error {
			e.diagnostics(cfg, s.Diags)
			if h.Show == nil {
				return nil
			}
			return h.Show(s)
		},
		Approve: h.Approve, Step: h.Step,
	})
	var derr engine.DiagError
	if errors.As(err, &derr) {
		e.diagnostics(cfg, derr.Diags)
		return nil, nil, Reported{derr}
	}
	if err != nil {
		return nil, nil, err
	}
	if res != nil {
		return p, res, e.report(res)
	}
	return p, nil, nil
}

func (e *Env) diagnostics(cfg *lang.Config, diags hcl.Diagnostics) {
	if len(diags) > 0 {
		lang.WriteDiagnostics(e.Err, cfg.Files, diags, bool(e.Colors(e.Err)))
	}
}

// report prints an apply's warnings and failures; ErrReported when a
// service failed.
func (e *Env) report(res *apply.Result) error {
	col := e.Colors(e.Out)
	for _, s := range res.Services {
		for _, w := range s.Warnings {
			fmt.Fprintf(e.Err, "%s: %s\n", col.Yellow("warning"), w)
		}
	}
	if err := res.Err(); err != nil {
		for _, line := range strings.Split(err.Error(), "\n") {
			fmt.Fprintf(e.Err, "%s %s\n", col.Red("E"), line)
		}
		return Reported{err}
	}
	return nil
}
