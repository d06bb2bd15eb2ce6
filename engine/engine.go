// Package engine converges services on this node: plan toward a target,
// then apply. om's commands and the cluster daemon both act through it, so
// there is one path from a decision to driver calls.
//
// The services' locks are taken before planning and held until the last
// step, so no other omhcl run moves the state between a plan and its
// steps. What moves it from outside the locks (a container engine still
// finishing what a killed command asked, a process started by hand) is
// caught before the first step: the plan is then made again, a bounded
// number of times. Only a saved plan, reviewed as it was, is refused as
// stale (plan.Saved.Verify).
package engine

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/omhcl/omhcl/apply"
	"github.com/omhcl/omhcl/lang"
	"github.com/omhcl/omhcl/plan"
	"github.com/omhcl/omhcl/providers"
	"github.com/omhcl/omhcl/state"
)

// Request says what to converge.
type Request struct {
	Config      *lang.Config
	Store       *state.Store
	Node        string
	Services    []string
	Target      plan.Target
	RIDs, Tags  []string
	Log         *providers.Log
	LockTimeout time.Duration
	// Levels selects the levels of encapsulated services (zero: all);
	// Agents reach the agents inside their containers (nil: none).
	Levels plan.Levels
	Agents plan.EncapAgents
	// Source is where the live state comes from (nil: the node's
	// drivers, and Agents).
	Source plan.Source
	// Targets are resource addresses (plan.Options.Targets).
	Targets []string
	// Show, when set, sees each plan before it is applied: the first,
	// then any plan made again after the state moved whose steps differ
	// from the last one shown. An empty plan is shown too, and ends the
	// convergence. Show runs under the locks: it prints, it does not wait
	// for a person. Its error ends the convergence before any step.
	Show func(Shown) error
	// Approve, when set, asks a person to approve the non-empty plan Show
	// just saw; its error ends the convergence before any step. The locks
	// are released while it waits; once they are taken again, a state
	// that moved meanwhile has the plan made again (shown and approved
	// again if its steps changed).
	Approve func(p *plan.Plan) error
	// Step, when set, sees each step begin and end (apply.Options.Step).
	Step func(st plan.Step, rollback bool) func(error)
	// Migrate, when set, moves the one service of Services to another
	// node live instead (migrate.go); Target, RIDs and Levels are the
	// migration's own.
	Migrate *Migration
	// Arrived is a resource a live migration brought here running: it is
	// recorded as started here before the convergence, which converges
	// the node's level only (the levels inside came with it, running).
	Arrived string
}

// Shown is a plan Show sees.
type Shown struct {
	Plan *plan.Plan
	// Prev is the plan shown before, nil for the first: the state moved
	// under it (Moved says how) and the plan made again has other steps.
	Prev  *plan.Plan
	Moved []string
	// Diags are the planning's warnings.
	Diags hcl.Diagnostics
}

// Attempts bounds the plans one convergence makes while the state moves
// under them. Between two, it waits FirstWait, then twice as long each
// time: 150, 300, 600 and 1200 ms, 2.25 s in all.
const (
	Attempts  = 5
	FirstWait = 150 * time.Millisecond
)

// Err is the error of a convergence, Converge's results given as they
// are: its own, or the first failure its result holds.
func Err(_ *plan.Plan, res *apply.Result, err error) error {
	if err == nil && res != nil {
		err = res.Err()
	}
	return err
}

// Converge plans and applies. The plan is returned even when empty; the
// result is nil when there was nothing to do.
func Converge(ctx context.Context, req Request) (*plan.Plan, *apply.Result, error) {
	if req.Arrived != "" {
		// the guest came running with its levels inside: the rest is the
		// node's level, and no agent is asked (migrate.go)
		req.Levels, req.Agents = plan.Levels{Master: true}, nil
	}
	c := newConvergence(req)
	if err := c.lock(ctx); err != nil {
		return nil, nil, err
	}
	defer func() { c.locks.Unlock() }() // c.locks changes when Approve waits
	if req.Migrate != nil {
		return c.migrate(ctx, *req.Migrate)
	}
	if req.Arrived != "" {
		c.adopt(req.Arrived)
	}
	return c.converge(ctx)
}

// converge plans and applies under the held locks, the plan made again
// while the state moves under it.
func (c *convergence) converge(ctx context.Context) (*plan.Plan, *apply.Result, error) {
	req := c.req
	began := time.Now()
	for attempt := 1; ; attempt++ {
		p, inputs, err := c.plan(ctx)
		if err != nil || p.Empty() {
			return p, nil, err
		}
		res, err := c.apply(ctx, p, inputs)
		var stale *plan.StaleError
		if !errors.As(err, &stale) {
			return p, res, err
		}
		c.moved, c.lastMoved = appendNew(c.moved, stale.Moved...), stale.Moved
		if attempt == Attempts {
			return p, nil, &MovingError{Node: req.Node, Attempts: attempt, Took: time.Since(began), Moved: c.moved}
		}
		if err := sleep(ctx, FirstWait<<(attempt-1)); err != nil {
			return p, nil, err
		}
	}
}

// convergence is one Converge: its plan request, the locks it holds and
// what it showed.
type convergence struct {
	req   Request
	preq  plan.Request
	locks *apply.Locks
	shown *plan.Plan // the plan Show last saw
	moved []string   // what moved under the plans made so far
	// lastMoved is what moved under the last plan
	lastMoved []string
}

func newConvergence(req Request) *convergence {
	if req.Log == nil {
		req.Log = providers.NewLog(nilWriter{})
	}
	if req.LockTimeout == 0 {
		req.LockTimeout = 30 * time.Second
	}
	src := req.Source
	if src == nil {
		src = plan.Drivers{Store: req.Store, Agents: req.Agents}
	}
	return &convergence{req: req, preq: plan.Request{
		Config:   req.Config,
		Source:   src,
		Services: req.Services,
		Options:  plan.Options{Node: req.Node, Target: req.Target, RIDs: req.RIDs, Tags: req.Tags, Targets: req.Targets, Levels: req.Levels},
	}}
}

// lock takes the locks of every service the plan may touch.
func (c *convergence) lock(ctx context.Context) error {
	l, err := apply.Lock(ctx, c.req.Store, c.lockSet(), c.req.LockTimeout)
	c.locks = l
	return err
}

// lockSet is the services a plan may touch: those requested (all when
// none is) that the node takes part in or has a record of, as
// plan.Observe keeps them. Others are not locked: their lock files would
// be made on every node of the cluster, and waited for.
func (c *convergence) lockSet() []string {
	names := c.req.Services
	if len(names) == 0 {
		for _, s := range c.req.Config.Services {
			names = append(names, s.Name)
		}
	}
	recorded, _ := c.req.Store.Services()
	var out []string
	for _, name := range names {
		svc := c.req.Config.Service(name)
		if svc == nil || slices.Contains(recorded, name) || involved(svc, c.req.Node) {
			out = append(out, name)
		}
	}
	return out
}

// involved says whether node takes part in svc; a service that does not
// evaluate counts, for planning to report why.
func involved(svc *lang.Service, node string) bool {
	inst, diags := svc.Evaluate(node, nil)
	return diags.HasErrors() || plan.Role(inst.Settings, node) != ""
}

// plan makes a plan under the locks, and shows it (and has it approved)
// when its steps are new.
func (c *convergence) plan(ctx context.Context) (*plan.Plan, []plan.Input, error) {
	p, inputs, diags := plan.Make(ctx, c.preq)
	if diags.HasErrors() {
		return nil, nil, DiagError{diags}
	}
	if c.shown != nil && c.shown.SameSteps(p) {
		return p, inputs, nil
	}
	prev := c.shown
	c.shown = p
	if c.req.Show != nil {
		if err := c.req.Show(Shown{Plan: p, Prev: prev, Moved: c.lastMoved, Diags: diags}); err != nil {
			return nil, nil, err
		}
	}
	if c.req.Approve != nil && !p.Empty() {
		if err := c.approve(ctx, p); err != nil {
			return nil, nil, err
		}
	}
	return p, inputs, nil
}

// approve asks for p's approval without holding the locks: a person may
// take long, and the daemon must not wait on them meanwhile.
func (c *convergence) approve(ctx context.Context, p *plan.Plan) error {
	c.locks.Unlock()
	if err := c.req.Approve(p); err != nil {
		return err
	}
	return c.lock(ctx)
}

// apply runs p under the held locks, once the node is checked to be
// still as p's inputs saw it.
func (c *convergence) apply(ctx context.Context, p *plan.Plan, inputs []plan.Input) (*apply.Result, error) {
	return apply.Run(ctx, apply.Options{
		Config: c.req.Config, Plan: p, Store: c.req.Store, Log: c.req.Log, LockTimeout: c.req.LockTimeout,
		Verify: c.preq.Unchanged(p, inputs), Agents: c.req.Agents, Locks: c.locks, Step: c.req.Step,
	})
}

// MovingError says the state moved under every plan a convergence made:
// nothing was applied. It unwraps to plan.ErrStale.
type MovingError struct {
	Node     string
	Attempts int
	Took     time.Duration
	// Moved is what changed between the plans and their checks.
	Moved []string
}

func (e *MovingError) Error() string {
	return fmt.Sprintf("the state of node %s kept moving: it changed between each of %d plans and its first step, over %s (%s); nothing was applied: let what moves it settle (a container engine finishing a killed command's request, a process started by hand), then run again",
		e.Node, e.Attempts, e.Took.Round(10*time.Millisecond), strings.Join(e.Moved, ", "))
}

func (e *MovingError) Unwrap() error { return plan.ErrStale }

// appendNew appends the entries of add not in list yet.
func appendNew(list []string, add ...string) []string {
	for _, s := range add {
		if !slices.Contains(list, s) {
			list = append(list, s)
		}
	}
	return list
}

// sleep waits d, or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// DiagError carries configuration diagnostics.
type DiagError struct{ Diags hcl.Diagnostics }

func (e DiagError) Error() string { return fmt.Sprintf("configuration: %s", e.Diags.Error()) }

type nilWriter struct{}

func (nilWriter) Write(b []byte) (int, error) { return len(b), nil }
