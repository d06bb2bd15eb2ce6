package daemon

import (
	"context"
	"fmt"
	"net"
	"slices"
	"strconv"
	"time"

	"github.com/omhcl/omhcl/cluster"
	"github.com/omhcl/omhcl/lang"
	"github.com/omhcl/omhcl/orchestrate"
	"github.com/omhcl/omhcl/plan"
	"github.com/omhcl/omhcl/wire"
)

// loop runs the rounds: observe this node, orchestrate, fence without
// quorum. Peers are polled by their own goroutine so a partitioned peer
// never slows a round.
func (d *Daemon) loop(ctx context.Context) {
	go d.pollLoop(ctx)
	go d.fenceWatch(ctx)
	go d.arbitratorLoop(ctx)
	go d.factsLoop(ctx)
	timer := time.NewTimer(0)
	defer timer.Stop()
	d.setThread("monitor", "running")
	quiet := 0 // quiet rounds in a row
	for {
		select {
		case <-ctx.Done():
			return
		case <-timer.C:
		case <-d.roundNow:
		}
		members := d.members.snapshot()
		d.rememberNodes(members)
		cfg := d.currentConfig()
		lives := d.observe(ctx, cfg)
		votes := d.votes()
		// A daemon just started has not heard from its peers yet: no
		// fencing (it would stop the services it should adopt) and no
		// orchestration before the startup wait.
		steady := false
		if time.Since(d.started) >= d.timings.StartupWait {
			launched := d.launched.Load()
			d.fenceServices(ctx, cfg, lives)
			d.checkLink(members)
			d.setThread("scheduler", "running")
			view := d.view(members, votes)
			d.publishRunning(cfg, view)
			for _, svc := range cfg.Services {
				d.monitor(ctx, cfg, svc, lives[svc.Name], view)
				d.orchestrate(ctx, cfg, svc, view)
				d.scheduleSyncs(ctx, svc, lives[svc.Name])
			}
			steady = d.launched.Load() == launched && d.steady(view)
			d.localReport() // its digest, for the beacons: what this round changed
		} else {
			d.setThread("scheduler", "waiting for peer reports")
		}
		if quiet++; !steady {
			quiet = 0
		}
		next := d.timings.Monitor
		if quiet >= quietRounds {
			next = d.timings.IdleRound()
		}
		timer.Reset(next)
	}
}

// quietRounds is how many steady rounds in a row make the loop idle.
const quietRounds = 3

// steady says whether nothing here can change without an event that
// runs a round at once (a member's change, a peer's report that changed,
// a monitored resource's event, a command, a lease running out), so the
// rounds may go at the idle pace (cluster.Timings.IdleRound): quorum held
// past settling, no fence, hold-down or drain, every node alive and
// current or gone for good, no action in progress or waiting for a
// retry, and no monitored resource here that only a round can see.
func (d *Daemon) steady(view orchestrate.View) bool {
	if !view.Quorum || view.Settling {
		return false
	}
	for _, n := range view.Nodes {
		if !n.Gone && (!n.Alive || !n.Fresh || n.HeldDown || n.Degraded) {
			return false
		}
	}
	now := time.Now()
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.polledResources > 0 || !d.fencing.IsZero() || d.draining || d.degraded != "" {
		return false
	}
	for _, run := range d.services {
		if run.busy != "" || now.Before(run.retryAfter) {
			return false
		}
	}
	return true
}

// wakeRound asks for a round now: a monitored resource's state changed.
func (d *Daemon) wakeRound() {
	select {
	case d.roundNow <- struct{}{}:
	default: // one is asked for already
	}
}

// pollLoop asks the peers for their reports when one is due (pollDue):
// at once when a beacon answer carries a new digest or a member joins,
// when the beacons' tick finds one due (checkPolls), and every idle round
// at least. It has no ticker of its own: an idle daemon pays for every
// wake-up.
func (d *Daemon) pollLoop(ctx context.Context) {
	client := newPeerClient(d.id, d.timings.PollTimeout(), d.peerAddrOf)
	var inflight inFlight
	tick := time.NewTicker(d.timings.IdleRound())
	defer tick.Stop()
	for {
		d.pollPeers(ctx, client, d.members.snapshot(), &inflight)
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		case <-d.pollNow:
		}
	}
}

// checkPolls, on the beacons' tick, asks for a poll pass when a peer's
// report is due (not confirmed by its beacons lately, or old), at most
// once a monitor interval. The beacons never wait for the daemon's lock:
// when a round holds it, the check waits for the next tick.
func (d *Daemon) checkPolls(members map[string]member, now time.Time, last *time.Time) {
	if now.Sub(*last) < d.timings.Monitor || !d.mu.TryLock() {
		return
	}
	reports := make(map[string]*wire.NodeReport, len(members))
	for name := range members {
		reports[name] = d.reports[name]
	}
	d.mu.Unlock()
	*last = now
	for name, m := range members {
		if name != d.opts.Node && m.Status != "left" && m.Addr != nil && d.reportDue(name, reports[name], now) {
			d.requestPoll()
			return
		}
	}
}

// factsLoop refreshes the node facts in the serf tags now and then:
// every change is gossiped, so not every round.
func (d *Daemon) factsLoop(ctx context.Context) {
	tick := time.NewTicker(15 * time.Second)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			d.members.setTags(d.tags())
		}
	}
}

// currentConfig is the node's copy of the cluster's service configs;
// when they do not load, the last good configuration stays in force (om
// mon says why).
func (d *Daemon) currentConfig() *lang.Config {
	cfg, diags := d.configs.config()
	if diags.HasErrors() {
		d.errorf("configuration does not load, the last good one stays in force: %s", diags.Error())
	}
	return cfg
}

// rememberNodes records every member ever seen: quorum counts them all.
func (d *Daemon) rememberNodes(members map[string]member) {
	names := make([]string, 0, len(members))
	for n, m := range members {
		if m.Status != "left" {
			names = append(names, n)
		}
	}
	addrs := map[string]string{}
	for n, m := range members {
		if n != d.opts.Node && m.Status == "alive" && m.Addr != nil {
			addrs[n] = net.JoinHostPort(m.Addr.String(), strconv.Itoa(int(m.Port)))
		}
	}
	learn := func(c *cluster.Config) (bool, error) {
		changed := c.AddNodes(names...)
		for n, a := range addrs {
			changed = c.SetAddr(n, a) || changed
		}
		return changed, nil
	}
	d.mu.Lock()
	changed, _ := learn(d.cluster)
	known := slices.Clone(d.cluster.Nodes)
	d.mu.Unlock()
	d.nodesSeen.Store(&known)
	if changed {
		// Into the file as it is now: om cluster set may have changed it.
		if _, err := cluster.Update(d.opts.StateDir, learn); err != nil {
			d.errorf("cluster settings: %v", err)
		}
	}
}

// observe reads this node's instances through the drivers and publishes
// them as the local report.
func (d *Daemon) observe(ctx context.Context, cfg *lang.Config) map[string]*plan.LiveInstance {
	src := plan.Drivers{Store: d.store, Agents: d.agentCalls()}
	lives := map[string]*plan.LiveInstance{}
	rep := &wire.NodeReport{Node: d.opts.Node, Time: time.Now(), Facts: readFacts(), Instances: map[string]*wire.InstanceReport{}}
	var subjects []eventSubject
	polled := 0
	for _, svc := range cfg.Services {
		observedAt := time.Now()
		inst, li, diags := src.Instance(ctx, svc, d.opts.Node)
		if diags.HasErrors() || li.Role == "" {
			continue
		}
		lives[svc.Name] = li
		d.pullNewer(li)
		rep.Instances[svc.Name] = d.localInstance(svc.Name, li, observedAt)
		subj, n := eventSubjects(svc.Name, inst, li)
		if d.opts.NoEvents {
			subj, n = nil, n+len(subj)
		}
		subjects, polled = append(subjects, subj...), polled+n
	}
	d.events.sync(ctx, subjects)
	polled += d.events.brokenCount()
	d.mu.Lock()
	if d.local != nil {
		rep.Quorum = d.local.Quorum
	}
	d.local = rep
	d.lives = lives
	d.polledResources = polled
	d.mu.Unlock()
	return lives
}

// votes counts this node's side of the cluster: itself and the peers it
// holds a lease from (that answered lately), whatever serf says of them.
func (d *Daemon) votes() cluster.Votes {
	d.mu.Lock()
	nodes := slices.Clone(d.cluster.Nodes)
	arbs := len(d.cluster.Arbitrators)
	d.mu.Unlock()
	if !slices.Contains(nodes, d.opts.Node) {
		nodes = append(nodes, d.opts.Node)
	}
	v := cluster.Votes{Nodes: len(nodes), Arbitrators: arbs, Reached: d.arbitratorsReached()}
	now := time.Now()
	for _, name := range nodes {
		switch {
		case name == d.opts.Node || d.leases.holds(name, now, d.timings.Lease):
			v.Alive++
			if d.vouched.seen(name) {
				d.logf("%s is alive again: it counts toward the quorum again", name)
				d.emit(wire.Event{Kind: wire.EventMemberBack, Peer: name, Reason: "vouched down by an operator, alive again: it counts toward the quorum again"})
			}
		case d.vouched.has(name):
			v.Nodes-- // an operator vouched it down: see vouch.go
		}
	}
	d.mu.Lock()
	if d.local != nil {
		d.local.Quorum = v.Quorum()
	}
	switch {
	case !v.Quorum():
		d.quorumSince = time.Time{}
	case d.quorumSince.IsZero():
		d.quorumSince = time.Now()
		d.quorumEpoch++
		d.hadQuorum = true
	}
	d.mu.Unlock()
	return v
}

// view is the cluster as orchestration sees it this round.
func (d *Daemon) view(members map[string]member, votes cluster.Votes) orchestrate.View {
	v := orchestrate.View{Self: d.opts.Node, Quorum: votes.Quorum(), Nodes: map[string]orchestrate.Node{}}
	d.mu.Lock()
	quorumSince := d.quorumSince
	d.mu.Unlock()
	v.Settling = !quorumSince.IsZero() && time.Since(quorumSince) < d.settleTime()
	for name, m := range members {
		n := orchestrate.Node{Name: name, Alive: m.Status == "alive"}
		// Gone is the leases' word, not serf's: no member of this side
		// answered the node for the takeover wait, so it has fenced if
		// it lives at all (see leasesExpired). serf, slower to declare a
		// failure and prone to false ones after a heal, only adds that a
		// node it still calls alive may run what it says (Alive).
		if name != d.opts.Node && d.leasesExpired(name, members) {
			n.Gone, n.Alive = true, false
		}
		d.noteGone(name, n.Gone, m.Status)
		n.HeldDown = d.nodeHeldDown(name)
		n.Fresh = name == d.opts.Node || d.peerFresh(name, m)
		if name == d.opts.Node {
			d.mu.Lock()
			n.Degraded = d.degraded != ""
			d.mu.Unlock()
		}
		n.Score = atoiTag(m.Tags["score"])
		n.Load = atofTag(m.Tags["load"])
		v.Nodes[name] = n
	}
	return v
}

// noteGone logs and tells (member.gone) when the leases first say a node
// is gone, and forgets it once it is not.
func (d *Daemon) noteGone(name string, gone bool, serfStatus string) {
	d.mu.Lock()
	was := d.gone[name]
	if d.gone == nil {
		d.gone = map[string]bool{}
	}
	d.gone[name] = gone
	d.mu.Unlock()
	if !gone || was || serfStatus == "left" {
		return
	}
	why := fmt.Sprintf("no member of this side answered it for %s (serf: %s): it holds no lease, and has fenced if it lives", d.takeoverWaitFor(name), serfStatus)
	d.warnf("member %s gone: %s", name, why)
	d.emit(wire.Event{Kind: wire.EventMemberGone, Peer: name, Reason: why})
}

// settleTime is how long a node that regained quorum waits for its
// peers' news before it starts anything (orchestrate.View.Settling): two
// polls carry a majority node's start to it through a peer, and that node
// decided within a lease of the regain.
func (d *Daemon) settleTime() time.Duration { return d.timings.Lease + 2*d.timings.Monitor }

// peerFresh says whether a peer's latest report is current news of it
// (orchestrate.Node.Fresh): asked for since serf last saw it join, within
// a lease, and made while it held quorum past its settling time. A report
// from before the peer's partition says it runs what it has fenced since;
// one made without quorum, or just after regaining it, may describe a
// fence in progress.
func (d *Daemon) peerFresh(name string, m member) bool {
	d.mu.Lock()
	r := d.reports[name]
	d.mu.Unlock()
	return m.Status == "alive" && reportSince(r, m) && time.Since(d.confirmedAt(name, r)) <= d.timings.Lease &&
		r.Quorum && d.quorumFor(name, r) >= d.settleTime()
}

// reportSince says whether r answered a poll sent after m's last status
// change (its rejoin): a poll sent before may carry the news of before
// the partition.
func reportSince(r *wire.NodeReport, m member) bool {
	return r != nil && r.Sent.After(m.Since)
}

// nodeHeldDown says whether node yields its services after a fence: this
// node by its own clock, a peer by its last report.
func (d *Daemon) nodeHeldDown(node string) bool {
	now := time.Now()
	if node == d.opts.Node {
		return d.heldDown(now)
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	r := d.reports[node]
	return r != nil && now.Before(r.Received.Add(time.Duration(r.HoldDownMs)*time.Millisecond))
}

// leasesExpired says whether node can hold no lease from this side any
// more, and has had time to fence: there was a moment when neither this
// node nor any peer it holds a lease from had answered node for the
// takeover wait (leases.ungranted). Those peers and this node are a
// majority (or this node fences itself), so node was left without one.
// When the answer is no only for want of a peer's news since then, the
// beacons are asked to go at once (their answers wake a round).
func (d *Daemon) leasesExpired(node string, members map[string]member) bool {
	expired, due := d.leaseVerdict(node, members)
	if !expired {
		d.expiry.watch(node, due, time.Now())
	}
	return expired
}

// leaseVerdict is leasesExpired's answer, and when it may turn yes.
func (d *Daemon) leaseVerdict(node string, members map[string]member) (expired bool, due time.Time) {
	wait := d.takeoverWaitFor(node)
	now := time.Now()
	var peers []string
	for peer := range members {
		if peer != d.opts.Node && peer != node && d.leases.holds(peer, now, d.timings.Lease) {
			peers = append(peers, peer)
		}
	}
	return d.leases.ungranted(node, peers, wait, now)
}

// leaseDue is, for the expiry watch, when node's leases may be proven
// run out; false once node is no member.
func (d *Daemon) leaseDue(node string) (time.Time, bool) {
	members := d.members.snapshot()
	if _, ok := members[node]; !ok {
		return time.Time{}, false
	}
	_, due := d.leaseVerdict(node, members)
	return due, true
}

// takeoverWaitFor is how long no member of this side may have answered
// node before its services are taken over: node fences on its own
// timings, so its reported wait counts when it is longer than this
// node's (a timing set on one node only).
func (d *Daemon) takeoverWaitFor(node string) time.Duration {
	d.mu.Lock()
	defer d.mu.Unlock()
	wait := d.takeoverWait()
	if r := d.reports[node]; r != nil {
		wait = max(wait, time.Duration(r.TakeoverWaitMs)*time.Millisecond)
	}
	return wait
}

// takeoverWait is how long the majority must not have answered this node
// before it may take over what this node runs, by this node's timings.
// Called with d.mu held.
func (d *Daemon) takeoverWait() time.Duration {
	wait := d.timings.TakeoverAfter()
	if len(d.cluster.Arbitrators) > 0 {
		// This node may count an arbitrator it reached up to the moment it
		// was cut off, and the other side learns nothing of that probe:
		// their last grant may be a poll interval older than the cut.
		wait += d.timings.Monitor
	}
	return wait
}

// publishRunning records where this node believes each service runs, for
// its report.
func (d *Daemon) publishRunning(cfg *lang.Config, view orchestrate.View) {
	out := map[string][]string{}
	stopped := map[string]bool{} // wanted stopped: it ran nowhere after
	for _, svc := range cfg.Services {
		if s, ok := d.ownView(svc, view); ok {
			out[svc.Name] = orchestrate.RunningNodes(view, s)
			if s.Settings.Topology == "flex" || s.Intent == orchestrate.IntentStopped {
				stopped[svc.Name] = true
			}
		}
	}
	now := time.Now()
	d.mu.Lock()
	defer d.mu.Unlock()
	d.runningView = out
	for name, nodes := range out {
		run := d.run(name)
		switch {
		case stopped[name]:
			run.ranOn = "" // a start after a stop, or of a flex instance, is no failover
		case len(nodes) == 1:
			run.ranOn, run.ranOnAt = nodes[0], now
		}
	}
}
