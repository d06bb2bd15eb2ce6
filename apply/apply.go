// Package apply executes a plan's steps on this node: driver calls in
// order, under a lock per service, with a rollback of what a failed start
// had started, and the node's record kept current after every step.
package apply

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/omhcl/omhcl/lang"
	"github.com/omhcl/omhcl/plan"
	"github.com/omhcl/omhcl/providers"
	"github.com/omhcl/omhcl/state"
)

// Options configure an apply.
type Options struct {
	Config      *lang.Config
	Plan        *plan.Plan
	Store       *state.Store
	Log         *providers.Log
	LockTimeout time.Duration
	// Agents reach the agents inside containers, for the steps of
	// encapsulated services' inner levels.
	Agents plan.EncapAgents
	// Verify runs once every lock is held, before any step: a saved plan
	// checks there that the live state is still the one it was made from.
	Verify func(ctx context.Context) error
	// Locks, when set, are the services' locks the caller holds (it
	// planned under them); Run then takes none and releases none. Nil:
	// Run takes the locks of the plan's services for its duration.
	Locks *Locks
	// Step, when set, sees each step begin (and each stop of a rollback,
	// rollback true); the function it returns, when not nil, sees the
	// step end with its error (omapply -json's events).
	Step func(st plan.Step, rollback bool) func(error)
}

// stepBegins tells o.Step a step begins and returns what to call when it
// ends.
func (o Options) stepBegins(st plan.Step, rollback bool) func(error) {
	if o.Step != nil {
		if done := o.Step(st, rollback); done != nil {
			return done
		}
	}
	return func(error) {}
}

// ServiceResult is the outcome of one service's steps.
type ServiceResult struct {
	Service string
	// Failed is the rid whose step failed, "" on success.
	Failed string
	Err    error
	// RolledBack lists, in order, the resources stopped again because a
	// later start failed.
	RolledBack []string
	// Warnings are failures of optional resources.
	Warnings []string
	Steps    int
}

// Result is the outcome of an apply.
type Result struct{ Services []*ServiceResult }

// Err summarizes the failures, nil when every service succeeded.
func (r *Result) Err() error {
	var msgs []string
	var errs []error
	for _, s := range r.Services {
		if s.Err != nil {
			msgs = append(msgs, s.Message())
			errs = append(errs, s.Err)
		}
	}
	if len(msgs) == 0 {
		return nil
	}
	return &resultError{msg: strings.Join(msgs, "\n"), errs: errs}
}

// resultError reads as the services' messages and unwraps to their errors,
// so callers can test errors.Is(err, providers.ErrConflict).
type resultError struct {
	msg  string
	errs []error
}

func (e *resultError) Error() string   { return e.msg }
func (e *resultError) Unwrap() []error { return e.errs }

// Message says what failed and what was rolled back.
func (s *ServiceResult) Message() string {
	if s.Err == nil {
		return fmt.Sprintf("%s: ok", s.Service)
	}
	msg := fmt.Sprintf("%s: %v", s.Service, s.Err)
	switch {
	case len(s.RolledBack) > 0:
		msg += fmt.Sprintf("\n%s: rolled back: stopped %s", s.Service, strings.Join(s.RolledBack, ", "))
	case s.Failed != "":
		msg += fmt.Sprintf("\n%s: skip rollback: no resource started by this run", s.Service)
	}
	return msg
}

// Run executes the plan. It returns an error only when it could not start
// (a lock, a stale plan); per-service failures are in the result.
func Run(ctx context.Context, o Options) (*Result, error) {
	services := planServices(o.Plan)
	if o.Locks != nil {
		if err := o.Locks.covers(services); err != nil {
			return nil, err
		}
	} else {
		locks, err := Lock(ctx, o.Store, services, o.LockTimeout)
		if err != nil {
			return nil, err
		}
		defer locks.Unlock()
	}
	if o.Verify != nil {
		if err := o.Verify(ctx); err != nil {
			return nil, err
		}
	}
	res := &Result{}
	for _, svc := range services {
		began := time.Now()
		sr := runService(ctx, o, svc)
		record(ctx, o, sr, began) // om SVC logs (record.go)
		res.Services = append(res.Services, sr)
	}
	return res, nil
}

func planServices(p *plan.Plan) []string {
	var out []string
	for _, s := range p.Steps {
		if !slices.Contains(out, s.Service) {
			out = append(out, s.Service)
		}
	}
	slices.Sort(out)
	return out
}

// run is one service's execution.
type run struct {
	ctx     context.Context
	o       Options
	svc     *lang.Service
	rec     *state.Record
	inst    *lang.Instance
	stale   bool
	started []string // rids started by this run, in order
	// startedEncap are the agent calls that started a level inside a
	// container, in order
	startedEncap []plan.Step
	res          *ServiceResult
}

func runService(ctx context.Context, o Options, name string) *ServiceResult {
	r := &run{ctx: ctx, o: o, res: &ServiceResult{Service: name}, stale: true}
	r.svc = o.Config.Service(name)
	var err error
	if r.rec, err = o.Store.Load(name); err != nil {
		r.res.Err = err
		return r.res
	}
	steps := stepsOf(o.Plan, name)
	if err := r.checkStarts(steps); err != nil {
		r.res.Err = err
		return r.res
	}
	for _, st := range steps {
		done := o.stepBegins(st, false)
		err := r.ctx.Err() // canceled: no further step, roll back the started ones
		if err == nil {
			err = r.step(st)
		}
		done(err)
		if err != nil {
			if st.Optional {
				r.res.Warnings = append(r.res.Warnings, fmt.Sprintf("%s %s (optional) failed: %v", st.Action, stepName(st), err))
				continue
			}
			r.res.Failed = st.RID
			r.res.Err = fmt.Errorf("%s of %s failed: %w", st.Action, stepName(st), err)
			if st.Action == providers.ActStart || st.Action == providers.ActProvision {
				r.rollback()
			}
			return r.res
		}
		r.res.Steps++
	}
	return r.res
}

// stepName names what a step acts on: a resource, or the level inside a
// container.
func stepName(st plan.Step) string {
	if st.EncapNode != "" {
		return fmt.Sprintf("the level inside %s (%s)", st.EncapNode, st.RID)
	}
	return st.RID
}

func stepsOf(p *plan.Plan, svc string) []plan.Step {
	var out []plan.Step
	for _, s := range p.Steps {
		if s.Service == svc {
			out = append(out, s)
		}
	}
	return out
}

// instance returns the service evaluated with what the drivers expose now,
// re-evaluating after a start made new values known (a loop device).
func (r *run) instance() (*lang.Instance, error) {
	if !r.stale && r.inst != nil {
		return r.inst, nil
	}
	if r.svc == nil {
		return nil, fmt.Errorf("service %s is not in the configuration", r.res.Service)
	}
	inst, _, diags := plan.Drivers{Store: r.o.Store}.Instance(r.ctx, r.svc, r.o.Plan.Node)
	if diags.HasErrors() {
		return nil, diagsError(diags)
	}
	r.inst, r.stale = inst, false
	return inst, nil
}

// resource returns the evaluated resource of rid, or, for a stop, the
// resource as last applied when the node has a record of it.
func (r *run) resource(rid string, a providers.Action) (*providers.Resource, error) {
	if a == providers.ActStop {
		if rr, ok := r.rec.Resources[rid]; ok && rr.Applied != nil {
			if res := plan.AppliedResource(r.res.Service, r.o.Plan.Node, rid, rr, r.o.Store); res != nil {
				return res, nil
			}
		}
	}
	inst, err := r.instance()
	if err != nil {
		return nil, err
	}
	res := inst.Resource(rid)
	if res == nil {
		return nil, fmt.Errorf("%s is not in the configuration of %s", rid, r.res.Service)
	}
	res.StateDir = r.o.Store.ResourceDir(r.res.Service, rid)
	return res, nil
}

func diagsError(diags hcl.Diagnostics) error {
	var msgs []string
	for _, d := range diags.Errs() {
		msgs = append(msgs, d.Error())
	}
	return errors.New(strings.Join(msgs, "; "))
}

func ensureDir(dir string) error { return os.MkdirAll(dir, 0o700) }
