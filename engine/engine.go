// Package engine converges services on this node: plan toward a target,
// then apply, re-checking under the locks that the node did not move in
// between. om's commands and the cluster daemon both act through it, so
// there is one path from a decision to driver calls.
package engine

import (
	"context"
	"fmt"
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
}

// Converge plans and applies. The plan is returned even when empty; the
// result is nil when there was nothing to do.
func Converge(ctx context.Context, req Request) (*plan.Plan, *apply.Result, error) {
	preq := plan.Request{
		Config:   req.Config,
		Source:   plan.Drivers{Store: req.Store, Agents: req.Agents},
		Services: req.Services,
		Options:  plan.Options{Node: req.Node, Target: req.Target, RIDs: req.RIDs, Tags: req.Tags, Levels: req.Levels},
	}
	p, _, diags := plan.Make(ctx, preq)
	if diags.HasErrors() {
		return nil, nil, DiagError{diags}
	}
	if p.Empty() {
		return p, nil, nil
	}
	res, err := Apply(ctx, req, p, preq)
	return p, res, err
}

// Apply runs a plan made from preq, refusing it if the node moved since.
func Apply(ctx context.Context, req Request, p *plan.Plan, preq plan.Request) (*apply.Result, error) {
	log := req.Log
	if log == nil {
		log = providers.NewLog(nilWriter{})
	}
	timeout := req.LockTimeout
	if timeout == 0 {
		timeout = 30 * time.Second
	}
	return apply.Run(ctx, apply.Options{
		Config: req.Config, Plan: p, Store: req.Store, Log: log, LockTimeout: timeout,
		Verify: preq.Unchanged(p), Agents: req.Agents,
	})
}

// DiagError carries configuration diagnostics.
type DiagError struct{ Diags hcl.Diagnostics }

func (e DiagError) Error() string { return fmt.Sprintf("configuration: %s", e.Diags.Error()) }

type nilWriter struct{}

func (nilWriter) Write(b []byte) (int, error) { return len(b), nil }
