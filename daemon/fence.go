package daemon

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/omhcl/omhcl/engine"
	"github.com/omhcl/omhcl/lang"
	"github.com/omhcl/omhcl/plan"
	"github.com/omhcl/omhcl/providers"
	"github.com/omhcl/omhcl/wire"
)

// A node that loses quorum fences: it drops its service addresses at once
// (the majority's takeover wait budgets for that, see cluster.Timings),
// then stops its services.

// fenceWatch checks this node's quorum leases in a goroutine of its own,
// so a busy round (status checks, a start) never delays dropping
// addresses. It wakes when the first lease this node holds runs out (it
// may have been renewed since: then it sleeps again) or its quorum grace
// ends, and every monitor interval at least: a lease's end is the only
// event that can cost the quorum, so nothing is polled in between.
func (d *Daemon) fenceWatch(ctx context.Context) {
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-timer.C:
		}
		if d.fenceDue() {
			d.dropAddresses(ctx)
		}
		timer.Reset(d.nextFenceCheck(time.Now()))
	}
}

// nextFenceCheck is how long the fence watch may sleep from now.
func (d *Daemon) nextFenceCheck(now time.Time) time.Duration {
	next := now.Add(d.timings.Monitor)
	if end, ok := d.leases.firstEnd(now, d.timings.Lease); ok && end.Before(next) {
		next = end
	}
	d.mu.Lock()
	if !d.fencing.IsZero() && !d.addrsFenced {
		if due := d.fencing.Add(d.timings.QuorumGrace); due.Before(next) {
			next = due
		}
	}
	d.mu.Unlock()
	return max(next.Sub(now), time.Millisecond)
}

// fenceDue says whether this node must fence now: it lacks a majority,
// the side it lost could have one, and it has been so for QuorumGrace.
func (d *Daemon) fenceDue() bool {
	votes := d.votes()
	d.mu.Lock()
	defer d.mu.Unlock()
	// A restarted daemon that has not heard from the cluster yet gives its
	// rejoin a little time before fencing what it should adopt; one that
	// stays alone after that is cut off and fences.
	rejoining := !d.hadQuorum && time.Since(d.started) < d.timings.StartupWait+d.timings.Grace+d.timings.Lease
	if !votes.MustFence() || rejoining {
		if !d.fencing.IsZero() {
			lost := time.Since(d.fencing)
			d.logf("quorum back after %s", lost.Round(time.Millisecond))
			d.wakeRound()
			d.emit(wire.Event{Kind: wire.EventQuorumBack, Duration: lost.Seconds()})
		}
		d.fencing, d.addrsFenced = time.Time{}, false
		return false
	}
	if d.fencing.IsZero() {
		d.fencing = time.Now()
		d.warnf("quorum lost: fencing in %s unless it comes back", d.timings.QuorumGrace)
		d.wakeRound()
		d.emit(wire.Event{Kind: wire.EventQuorumLost, Reason: fmt.Sprintf("%d of %d votes: fencing in %s unless it comes back", votes.Alive+votes.Reached, votes.Nodes+votes.Arbitrators, d.timings.QuorumGrace)})
	}
	due := time.Since(d.fencing) >= d.timings.QuorumGrace
	if due {
		if !time.Now().Before(d.heldUntil) {
			d.warnf("fencing: this node yields its services to peers that kept quorum, for %s once its own is back", d.timings.HoldDown)
			d.emit(wire.Event{Kind: wire.EventHeld, Reason: "fenced", Duration: d.timings.HoldDown.Seconds()})
		}
		d.heldUntil = time.Now().Add(d.timings.HoldDown)
	}
	return due
}

// heldDown says whether this node fenced lately (or its link is
// degraded) and yields its services.
func (d *Daemon) heldDown(now time.Time) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.draining || d.maint.frozen || now.Before(d.heldUntil) // drain.go: drained or frozen, it yields too
}

// dropAddresses takes down the addresses of every service that runs here
// or is being acted on, all services at once.
func (d *Daemon) dropAddresses(ctx context.Context) {
	d.cancelStarts()
	// One at a time: the fence watch and the round may both get here, and
	// the second must find the addresses gone, not plan a second drop.
	d.fenceMu.Lock()
	defer d.fenceMu.Unlock()
	d.mu.Lock()
	if d.addrsFenced {
		d.mu.Unlock()
		return
	}
	var svcs []string
	for name, li := range d.lives {
		if run := d.services[name]; instanceReport(li).Running || (run != nil && run.busy != "") {
			svcs = append(svcs, name)
		}
	}
	lost := d.fencing
	d.mu.Unlock()
	// The addresses are the resources whose driver declares one
	// (Spec.Address), selected by their kinds: the agents inside the
	// containers select by the same words.
	addrs := providers.AddressKinds()
	cfg := d.currentConfig()
	began := time.Now()
	// One goroutine per service, not a worker pool: one waiting for its
	// lock must not hold back another's address.
	var wg sync.WaitGroup
	var failed atomic.Bool
	for _, svc := range svcs {
		if len(addrs) == 0 {
			break // no driver holds an address (no selector would select every resource)
		}
		wg.Go(func() {
			fenceCtx := engine.WithBy(ctx, "daemon: fence (no quorum)")
			// First what answers by itself (a VM), at once and at the
			// node's level only: the agent inside would only delay it.
			if rids := d.fencedRIDs(cfg, svc); len(rids) > 0 {
				req := engine.Request{Config: cfg, Store: d.store, Node: d.opts.Node, Services: []string{svc},
					Target: plan.TargetDown, RIDs: rids, Log: providers.NewLog(prefixWriter{d, svc}), LockTimeout: 5 * time.Second,
					Levels: plan.Levels{Master: true}}
				if err := engine.Err(engine.Converge(providers.WithFencing(fenceCtx), req)); err != nil {
					d.errorf("%s: fencing %v: %v", svc, rids, err)
					failed.Store(true)
				}
			}
			req := engine.Request{Config: cfg, Store: d.store, Node: d.opts.Node, Services: []string{svc},
				Target: plan.TargetDown, RIDs: addrs, Log: providers.NewLog(prefixWriter{d, svc}), LockTimeout: 5 * time.Second,
				// the addresses inside containers too: the containers run on
				Levels: plan.Levels{Master: true, AllSlaves: true}, Agents: d.agentCalls()}
			if err := engine.Err(engine.Converge(fenceCtx, req)); err != nil {
				d.errorf("%s: fencing addresses: %v", svc, err)
				failed.Store(true)
			}
		})
	}
	wg.Wait()
	took := time.Since(began)
	d.mu.Lock()
	d.addrsFenced = !failed.Load() && d.fencing.Equal(lost)
	if d.fenced == nil {
		d.fenced = map[string]bool{}
	}
	for _, svc := range svcs {
		d.fenced[svc] = true
	}
	d.mu.Unlock()
	if len(svcs) == 0 {
		return
	}
	d.warnf("fencing: addresses of %d service(s) dropped in %s", len(svcs), took.Round(time.Millisecond))
	fence := wire.Event{Kind: wire.EventFence, Count: len(svcs), Duration: took.Seconds(), Reason: "no quorum: addresses dropped"}
	if failed.Load() {
		fence.Outcome, fence.Error = wire.OutcomeFailed, "some addresses could not be dropped (the log says which)"
	}
	if took > d.timings.FenceBudget {
		d.errorf("dropping addresses took %s, beyond the fence budget of %s: the majority may have started them already; raise timings.fence_budget",
			took.Round(time.Millisecond), d.timings.FenceBudget)
		fence.Reason += fmt.Sprintf(", beyond the fence budget of %s", d.timings.FenceBudget)
	}
	d.emit(fence)
}

// fencedRIDs lists the resources of svc on this node whose driver the
// fence stops with the addresses (providers.Spec.Fenced: a VM).
func (d *Daemon) fencedRIDs(cfg *lang.Config, svc string) []string {
	s := cfg.Service(svc)
	if s == nil {
		return nil
	}
	inst, diags := s.Evaluate(d.opts.Node, nil)
	if diags.HasErrors() || inst == nil {
		return nil
	}
	return providers.FencedRIDs(inst.Resources)
}

// fenceServices stops the services still running here once fencing is
// due, their addresses first.
func (d *Daemon) fenceServices(ctx context.Context, cfg *lang.Config, lives map[string]*plan.LiveInstance) {
	due := d.fenceDue()
	if due {
		d.dropAddresses(ctx)
	}
	for name := range lives {
		d.mu.Lock()
		addrsDropped := d.fenced[name]
		d.mu.Unlock()
		if !d.runsHere(name) { // this round's report: up, or a monitored resource died here
			d.mu.Lock()
			delete(d.fenced, name) // its fence is complete
			d.mu.Unlock()
			continue
		}
		if !due && !addrsDropped {
			continue
		}
		d.mu.Lock()
		run := d.run(name)
		fencing := run.busy == "fence"
		if !fencing {
			run.busy, run.retryAfter = "", time.Time{} // fencing overrides any backoff
		}
		d.mu.Unlock()
		if !fencing {
			d.act(ctx, cfg, name, "fence", "no quorum", engine.Request{Target: plan.TargetDown})
		}
	}
}
