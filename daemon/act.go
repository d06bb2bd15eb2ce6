package daemon

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/omhcl/omhcl/encap"
	"github.com/omhcl/omhcl/engine"
	"github.com/omhcl/omhcl/lang"
	"github.com/omhcl/omhcl/orchestrate"
	"github.com/omhcl/omhcl/plan"
	"github.com/omhcl/omhcl/providers"
	"github.com/omhcl/omhcl/wire"
)

// serviceRun is the daemon's bookkeeping of one service on this node.
type serviceRun struct {
	busy          string // the action running now, "" when idle
	note          string // the outcome of the last action
	noteAt        time.Time
	retryAfter    time.Time // back off after a failed action
	restarts      map[string]int
	restartedAt   map[string]time.Time
	monitorFailed bool
	conflict      bool // the last start found the address in use elsewhere
	conflicts     int  // starts in a row that found it so
	// ranHere: this daemon has seen the service run here since it last
	// stopped it. A monitored resource that dies then keeps the service
	// counted as running, for the monitor to restart: the orchestrator
	// must not take it for a service down everywhere (and start it again
	// without end, restarts never counted). A daemon that just started
	// has not seen it: a node back from a crash claims nothing.
	ranHere bool
	// endedAt is when the last action here ended, and observedAt when
	// the latest observation of the service here began: one begun before
	// an action ended may have seen the action's middle (a guest shutting
	// down, its record not yet cleared), which says nothing of what the
	// action left (ranHere).
	endedAt    time.Time
	observedAt time.Time
	sharedGen  int64 // the shared state generation last seen
	// appliedGen is the configuration generation this node last converged
	// its running copy to.
	appliedGen int64
	// ranOn is the node this node last saw run the service (a failover
	// service), and ranOnAt the last round it saw it there: a start here
	// of a service that ran elsewhere is a failover (events, metrics).
	ranOn   string
	ranOnAt time.Time
}

func (d *Daemon) run(svc string) *serviceRun {
	r := d.services[svc]
	if r == nil {
		r = &serviceRun{restarts: map[string]int{}, restartedAt: map[string]time.Time{}}
		d.services[svc] = r
	}
	return r
}

// orchestrate decides for one service and starts the action, one at a
// time per service.
func (d *Daemon) orchestrate(ctx context.Context, cfg *lang.Config, svc *lang.Service, view orchestrate.View) {
	s, ok := d.serviceView(svc, view)
	if !ok {
		return
	}
	s.Arrived = d.arrived(cfg, svc.Name) // migrate.go
	if view.Quorum && d.shared.get(svc.Name).Forced != "" {
		// A majority again: a later split must not start on an old word.
		d.shared.update(svc.Name, d.opts.Node, func(st *wire.ServiceState) { st.Forced = "" })
	}
	dec := d.drainDecision(view, s, orchestrate.Decide(view, s))
	if !s.Instances[view.Self].Running && runsElsewhere(view, s) {
		d.mu.Lock()
		run := d.run(svc.Name)
		run.note, run.conflict, run.conflicts = "", false, 0 // a failed attempt is moot: it runs on a live node
		d.mu.Unlock()
	}
	if dec.Action == orchestrate.None {
		d.convergeChanges(ctx, cfg, svc.Name, s, view)
		d.convergeStandby(ctx, cfg, svc.Name, s, view)
		return
	}
	if dec.Action == orchestrate.Start && !d.reportsFrom(view, s.Settings) {
		return // an alive node has not told us lately whether it runs the service
	}
	if dec.Action == orchestrate.Start && d.isDraining() {
		return // going away (drain.go)
	}
	target := plan.TargetUp
	if dec.Action == orchestrate.Stop {
		target = plan.TargetDown
	}
	to := dec.Target // a relocation there, for the decision's event
	if to == view.Self {
		to = ""
	}
	if dec.Action == orchestrate.Stop && d.migrate(ctx, cfg, svc.Name, dec) {
		return // a live migration (migrate.go)
	}
	if dec.Action == orchestrate.Start && ranOnFencedNode(view, s) {
		ctx = providers.WithHolderFenced(ctx) // a shorter conflict probe
	}
	req := engine.Request{Target: target}
	if dec.Action == orchestrate.Start && s.Arrived {
		req.Arrived = engine.MigratableRID(cfg, d.opts.Node, svc.Name) // migrate.go
	}
	d.actFor(ctx, cfg, svc.Name, string(dec.Action), dec.Reason, to, req)
}

// ranOnFencedNode says whether the service was last reported running on
// a node whose leases ran out (orchestrate.Node.Gone): a takeover from a
// node that has dropped its addresses, if its daemon lives.
func ranOnFencedNode(view orchestrate.View, s orchestrate.Service) bool {
	for n, in := range s.Instances {
		if n != view.Self && in.Running && view.Nodes[n].Gone {
			return true
		}
	}
	return false
}

func runsElsewhere(view orchestrate.View, s orchestrate.Service) bool {
	for n, in := range s.Instances {
		if n != view.Self && in.Running && view.Nodes[n].Alive {
			return true
		}
	}
	return false
}

// convergeStandby starts the standby resources of a service this node
// does not run (a filesystem the syncs copy into, mounted on every node
// that may take the service over), as the seed's "stdby up": whenever
// one is down here.
func (d *Daemon) convergeStandby(ctx context.Context, cfg *lang.Config, svc string, s orchestrate.Service, view orchestrate.View) {
	if s.Frozen || s.Intent == orchestrate.IntentStopped || s.Instances[view.Self].Running || d.isDraining() || !view.Quorum ||
		(s.Settings.Orchestrate == "no" && s.Intent != orchestrate.IntentStarted) {
		return // the daemon starts nothing of an unorchestrated service
	}
	d.mu.Lock()
	li := d.lives[svc]
	d.mu.Unlock()
	if li == nil || li.Role == "" || !standbyDown(li) {
		return
	}
	d.act(ctx, cfg, svc, "standby", "standby resources down on a node not running the service", engine.Request{Target: plan.TargetStandby})
}

// standbyDown reports whether a standby resource of li is down.
func standbyDown(li *plan.LiveInstance) bool {
	for _, r := range li.Resources {
		if r.Standby && r.Skipped == "" && r.Status == providers.Down {
			return true
		}
	}
	return false
}

// convergeChanges applies a new configuration generation to the copy this
// node runs (a changed address is replaced, an app restarted).
func (d *Daemon) convergeChanges(ctx context.Context, cfg *lang.Config, svc string, s orchestrate.Service, view orchestrate.View) {
	e := d.configs.get(svc)
	if e == nil || s.Frozen || s.Intent == orchestrate.IntentStopped || !s.Instances[view.Self].Running || d.isDraining() {
		return
	}
	if s.Arrived {
		return // a migration coming in, or just come: the orchestrator starts the rest once the source is done
	}
	d.mu.Lock()
	run := d.run(svc)
	due := run.appliedGen != e.Gen && run.busy == ""
	d.mu.Unlock()
	if due {
		d.act(ctx, cfg, svc, "converge", fmt.Sprintf("configuration generation %d", e.Gen), engine.Request{Target: plan.TargetUp})
	}
}

// serviceView gathers what orchestration needs to know of svc, peers'
// beliefs included; false when this node takes no part in it.
func (d *Daemon) serviceView(svc *lang.Service, view orchestrate.View) (orchestrate.Service, bool) {
	s, ok := d.ownView(svc, view)
	if !ok {
		return s, false
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	// A node that has held quorum for a while knows as much as its peers;
	// one that just came back (or just started) takes their word.
	if !d.quorumSince.IsZero() && time.Since(d.quorumSince) > d.timings.Grace+d.timings.Lease+d.timings.StartupWait {
		return s, true
	}
	for peer, r := range d.reports {
		if !view.Nodes[peer].Alive || time.Since(d.confirmedAt(peer, r)) > d.timings.Lease {
			continue
		}
		for _, n := range r.Running[svc.Name] {
			if n != d.opts.Node {
				in := s.Instances[n]
				in.Node, in.Claimed = n, true
				s.Instances[n] = in
			}
		}
	}
	return s, true
}

// ownView is svc as this node's own reports show it.
func (d *Daemon) ownView(svc *lang.Service, view orchestrate.View) (orchestrate.Service, bool) {
	inst, diags := svc.Evaluate(d.opts.Node, nil)
	if diags.HasErrors() || plan.Role(inst.Settings, d.opts.Node) == "" {
		return orchestrate.Service{}, false
	}
	sh := d.shared.get(svc.Name)
	s := orchestrate.Service{
		Name: svc.Name, Settings: inst.Settings, Intent: sh.Intent, Frozen: sh.Frozen, Preferred: sh.Preferred,
		Forced:    sh.Forced == d.opts.Node && !view.Quorum,
		Instances: map[string]orchestrate.Instance{},
		Booting:   time.Since(d.started) < d.timings.StartupWait+5*d.timings.Monitor,
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	run := d.run(svc.Name)
	if sh.Gen != run.sharedGen { // an operator acted: forget the monitor's verdict
		run.sharedGen, run.monitorFailed = sh.Gen, false
	}
	reports := map[string]*wire.NodeReport{d.opts.Node: d.local}
	for n, r := range d.reports {
		reports[n] = r
	}
	for n, r := range reports {
		if r == nil {
			continue
		}
		if ir := r.Instances[svc.Name]; ir != nil {
			failed := ir.MonitorFailed
			if n == d.opts.Node {
				failed = run.monitorFailed
			}
			// A peer starting the service counts as running it: a node
			// deciding at the same time must not start a second copy.
			running := ir.Running || (n != d.opts.Node && ir.Busy == "start")
			s.Instances[n] = orchestrate.Instance{Node: n, Running: running, MonitorFailed: failed}
		}
	}
	return s, true
}

// reportsFrom says whether every alive node of the service has reported
// since it last became alive, and lately: a node that just rejoined holds
// reports from before the partition, when the service ran elsewhere.
func (d *Daemon) reportsFrom(view orchestrate.View, s lang.Settings) bool {
	members := d.members.snapshot()
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, n := range append(append([]string{}, s.Nodes...), s.DrpNodes...) {
		if n == d.opts.Node || !view.Nodes[n].Alive {
			continue
		}
		r := d.reports[n]
		if !reportSince(r, members[n]) || time.Since(d.confirmedAt(n, r)) > d.timings.Lease {
			return false
		}
	}
	return true
}

// act runs one engine convergence for svc in the background.
func (d *Daemon) act(ctx context.Context, cfg *lang.Config, svc, what, why string, req engine.Request) bool {
	return d.actFor(ctx, cfg, svc, what, why, "", req)
}

// actFor is act, for a decision whose target is another node (a
// relocation there), for its event.
func (d *Daemon) actFor(ctx context.Context, cfg *lang.Config, svc, what, why, target string, req engine.Request) bool {
	if d.frozenHolds(what) {
		return false // om node freeze (drain.go)
	}
	d.mu.Lock()
	run := d.run(svc)
	if run.busy != "" || time.Now().Before(run.retryAfter) {
		d.mu.Unlock()
		return false
	}
	run.busy = what
	prev, prevAt := run.ranOn, run.ranOnAt
	d.mu.Unlock()
	d.launched.Add(1)
	d.logf("%s: %s (%s)", svc, what, why)
	d.emit(wire.Event{Kind: wire.EventDecision, Service: svc, Action: what, Reason: why, Peer: target})
	ctx = engine.WithBy(d.startContext(ctx, req), "daemon: "+what+" ("+why+")") // om SVC logs
	began := time.Now()
	d.work.Add(1)
	go func() {
		defer d.work.Done()
		defer d.wakeRound() // its outcome, seen at once
		req.Config, req.Store, req.Node, req.Services, req.Agents = cfg, d.store, d.opts.Node, []string{svc}, d.agentCalls()
		req.Log = providers.NewLog(prefixWriter{d, svc})
		p, res, err := engine.Converge(ctx, req)
		err = engine.Err(p, res, err)
		done := wire.Event{Kind: wire.EventAction, Service: svc, Action: what, Outcome: wire.OutcomeOK, Duration: time.Since(began).Seconds()}
		stopped := d.stoppedSince(prev, prevAt) // members' lock: not under d.mu
		d.mu.Lock()
		defer d.mu.Unlock()
		run.busy, run.noteAt, run.endedAt = "", time.Now(), time.Now()
		run.conflict = errors.Is(err, providers.ErrConflict)
		if run.conflict {
			run.conflicts++
		} else {
			run.conflicts = 0
		}
		switch {
		case err != nil && req.Migrate != nil:
			// it still runs here: this node is its preferred one again
			run.note = fmt.Sprintf("%s failed: %v", what, err)
			d.errorf("%s: %s", svc, run.note)
			done.Outcome, done.Error = wire.OutcomeFailed, err.Error()
			run.retryAfter = time.Now().Add(d.retryDelay(0))
			d.work.Go(func() { d.claim(svc) })
		case err != nil:
			run.note = fmt.Sprintf("%s failed: %v", what, err)
			run.retryAfter = time.Now().Add(d.retryDelay(run.conflicts))
			d.errorf("%s: %s", svc, run.note)
			done.Outcome, done.Error = wire.OutcomeFailed, err.Error()
		case p != nil && !p.Empty() || req.Migrate != nil:
			run.note = what + " done"
			d.logf("%s: %s done", svc, what)
		default:
			done.Reason = "nothing to do"
			// the decision that asked for it may hold (a resource whose
			// state cannot be read plans nothing): not again before a
			// round's interval, or the rounds would spin on it
			run.retryAfter = time.Now().Add(d.timings.Monitor)
		}
		d.emit(done)
		if err == nil && req.Migrate != nil {
			d.migratedAway() // migrate.go
		}
		if err == nil {
			// a start here counts even when the service dies before a round
			// sees it up
			run.ranHere = req.Target != plan.TargetDown
		}
		if err == nil && (what == "start" || what == "converge") {
			run.restarts = map[string]int{}
			if e := d.configs.get(svc); e != nil {
				run.appliedGen = e.Gen
			}
		}
		if err == nil && what == "start" {
			if prev != "" && prev != d.opts.Node {
				d.emit(wire.Event{Kind: wire.EventFailover, Service: svc, Peer: prev, Duration: time.Since(stopped).Seconds()})
			}
			run.ranOn, run.ranOnAt = d.opts.Node, time.Now()
			// The service lives here now: a node coming back with a stale
			// copy yields to this one instead of taking it back.
			d.work.Go(func() { d.claim(svc) }) // Run waits for it: no write once it returned
		}
	}()
	return true
}

// stoppedSince is since when the service that last ran on node, as this
// node saw it in a round at seen, stopped running there: when node
// failed, if it did before, else that round.
//
// A node whose leases ran out was last heard from when this node last
// answered it: a round may have seen the service there last an idle
// round (2 s fast) before that.
func (d *Daemon) stoppedSince(node string, seen time.Time) time.Time {
	d.mu.Lock()
	gone := d.gone[node]
	d.mu.Unlock()
	if gone && d.leases != nil {
		if last := d.leases.lastGranted(node); last.After(seen) {
			seen = last
		}
	}
	if d.members == nil {
		return seen
	}
	d.members.mu.Lock()
	defer d.members.mu.Unlock()
	if m := d.members.byID[node]; m != nil && m.Status != "alive" && m.Since.Before(seen) {
		return m.Since
	}
	return seen
}

// retryDelay is how long to wait before acting again after a failure.
// A start that found an unmanaged copy (its node's daemon died) is tried
// again, since that copy may stop at any time, but less and less often:
// each try probes the network, and the copy may run for hours.
func (d *Daemon) retryDelay(conflicts int) time.Duration {
	base := max(2*time.Second, 10*d.timings.Monitor)
	if conflicts <= 1 {
		return base
	}
	return min(base<<min(conflicts-1, 10), wire.MaxConflictBackoff)
}

// claim makes this node the service's preferred node cluster-wide, with a
// new generation even when this node believes it preferred already: that
// belief may be old. A node that ran the service before a partition
// comes back with its own claim, and a claim this node made earlier and
// did not renew would lose to it and move the service back there.
func (d *Daemon) claim(svc string) {
	d.shared.update(svc, d.opts.Node, func(s *wire.ServiceState) { s.Preferred = d.opts.Node })
}

func atoiTag(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}

func atofTag(s string) float64 {
	f, _ := strconv.ParseFloat(s, 64)
	return f
}

// pulled takes a configuration edited inside a container of an
// encapsulated service, newer than the node's: the cluster distributes
// it like one handed by omapply. The container is a lower trust domain
// (root there writes it): the node takes changes to the level inside
// only, one generation past its own, and refuses the rest as a whole
// (an *encap.Refusal: the node puts its own back in the container).
func (d *Daemon) pulled(h plan.EncapHost, e *configEntry) error {
	o := offer{svc: h.Service, entry: e, from: fmt.Sprintf("%s (%s)", h.Node, h.Container), maxJump: 1, inside: true,
		accept: fmt.Sprintf("to make this change, make it on the node: om %s edit config on %s (or omapply there)", h.Service, d.opts.Node)}
	again := d.configs.refusedAlready(h.Service, e.Version())
	changed, err := d.configs.put(o)
	switch {
	case err != nil:
		if !again {
			d.warnf("%v", err)
			d.emit(wire.Event{Kind: wire.EventConfigRefused, Service: h.Service, Gen: e.Gen, From: o.from, Error: err.Error()})
		}
		return &encap.Refusal{Err: fmt.Errorf("%w; %s", err, o.accept)}
	case changed:
		d.logf("config %s: generation %d (%s) pulled from %s", e.Service, e.Gen, e.Hash, o.from)
		d.emit(wire.Event{Kind: wire.EventConfigStored, Service: e.Service, Gen: e.Gen, From: o.from})
	}
	return nil
}

// pullNewer takes the configurations edited inside containers that their
// agents reported newer than the node's, by this round's status or by a
// kept one (om status -r on this node refreshed it).
func (d *Daemon) pullNewer(li *plan.LiveInstance) {
	for _, r := range li.Resources {
		if r.Inside != nil && r.Inside.NewerConfig != nil {
			h := plan.EncapHost{Service: li.Service, Container: r.RID, Node: r.Inside.Node}
			if d.pulled(h, r.Inside.NewerConfig) != nil {
				d.agents.Forget(h) // refused (pulled logs it): the agent's next status puts the node's back
			}
		}
	}
}
