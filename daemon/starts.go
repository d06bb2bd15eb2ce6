package daemon

import (
	"context"

	"github.com/omhcl/omhcl/engine"
	"github.com/omhcl/omhcl/plan"
)

// Starts run under a context that a fence cancels: a start decided while
// this node held quorum must not go on plumbing addresses after it lost
// it (the fence found them down, the start was about to add them), which
// a peer that kept quorum may be plumbing too. The apply stops before its
// next step and rolls back what it started.
type startEpoch struct {
	ctx    context.Context
	cancel context.CancelFunc
}

// startContext is the context of an action: ctx itself, or for a start,
// the current epoch's, which the next fence cancels.
func (d *Daemon) startContext(ctx context.Context, req engine.Request) context.Context {
	if req.Target == plan.TargetDown || req.Target == plan.TargetUnprovision {
		return ctx
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.starts.ctx == nil {
		d.starts.ctx, d.starts.cancel = context.WithCancel(ctx)
	}
	return d.starts.ctx
}

// cancelStarts ends the starts in progress: this node fences.
func (d *Daemon) cancelStarts() {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.starts.cancel != nil {
		d.starts.cancel()
	}
	d.starts = startEpoch{}
}
