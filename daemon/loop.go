package daemon

import (
	"context"
	"net"
	"slices"
	"strconv"
	"time"

	"github.com/omhcl/omhcl/cluster"
	"github.com/omhcl/omhcl/lang"
	"github.com/omhcl/omhcl/orchestrate"
	"github.com/omhcl/omhcl/plan"
)

// loop runs the rounds: observe this node, orchestrate, fence without
// quorum. Peers are polled by their own goroutine so a partitioned peer
// never slows a round.
func (d *Daemon) loop(ctx context.Context) {
	go d.pollLoop(ctx)
	go d.factsLoop(ctx)
	tick := time.NewTicker(d.timings.Monitor)
	defer tick.Stop()
	d.setThread("monitor", "running")
	for {
		members := d.members.snapshot()
		d.rememberNodes(members)
		cfg := d.currentConfig()
		lives := d.observe(ctx, cfg)
		votes := d.votes(members)
		// A daemon just started has not heard from its peers yet: no
		// fencing (it would stop the services it should adopt) and no
		// orchestration before the startup wait.
		if time.Since(d.started) >= d.timings.StartupWait {
			d.fence(ctx, cfg, votes, lives)
			d.setThread("scheduler", "running")
			view := d.view(members, votes)
			d.publishRunning(cfg, view)
			for _, svc := range cfg.Services {
				d.monitor(ctx, cfg, svc, lives[svc.Name], view)
				d.orchestrate(ctx, cfg, svc, view)
			}
		} else {
			d.setThread("scheduler", "waiting for peer reports")
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

func (d *Daemon) pollLoop(ctx context.Context) {
	client := newPeerClient(max(2*d.timings.Monitor, 500*time.Millisecond))
	tick := time.NewTicker(d.timings.Monitor)
	defer tick.Stop()
	for {
		d.pollPeers(ctx, client, d.members.snapshot())
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
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

// currentConfig is the node's copy of the cluster's service configs; a
// broken one keeps the last good configuration.
func (d *Daemon) currentConfig() *lang.Config {
	cfg, diags := d.configs.config()
	if diags.HasErrors() {
		d.logf("configuration does not load: %s", diags.Error())
		return &lang.Config{}
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
	d.mu.Lock()
	changed := d.cluster.AddNodes(names...)
	for n, m := range members {
		if n != d.opts.Node && m.Status == "alive" && m.Addr != nil {
			changed = d.cluster.SetAddr(n, net.JoinHostPort(m.Addr.String(), strconv.Itoa(int(m.Port)))) || changed
		}
	}
	cfg := *d.cluster
	d.mu.Unlock()
	if changed {
		cfg.Save(d.opts.StateDir)
	}
}

// observe reads this node's instances through the drivers and publishes
// them as the local report.
func (d *Daemon) observe(ctx context.Context, cfg *lang.Config) map[string]*plan.LiveInstance {
	src := plan.Drivers{Store: d.store}
	lives := map[string]*plan.LiveInstance{}
	rep := &NodeReport{Node: d.opts.Node, Time: time.Now(), Facts: readFacts(), Instances: map[string]*InstanceReport{}}
	for _, svc := range cfg.Services {
		_, li, diags := src.Instance(ctx, svc, d.opts.Node)
		if diags.HasErrors() || li.Role == "" {
			continue
		}
		lives[svc.Name] = li
		rep.Instances[svc.Name] = instanceReport(li)
	}
	d.mu.Lock()
	if d.local != nil {
		rep.Quorum = d.local.Quorum
	}
	d.local = rep
	d.lives = lives
	d.mu.Unlock()
	return lives
}

// votes counts this node's side of the cluster.
func (d *Daemon) votes(members map[string]member) cluster.Votes {
	d.mu.Lock()
	nodes := slices.Clone(d.cluster.Nodes)
	arbs := len(d.cluster.Arbitrators)
	d.mu.Unlock()
	v := cluster.Votes{Nodes: max(len(nodes), 1), Arbitrators: arbs, Reached: d.arbitratorsReached()}
	d.mu.Lock()
	for name, m := range members {
		if m.Status != "alive" || m.Suspect {
			continue
		}
		// A peer whose reports stopped coming is lost too: serf takes
		// longer to declare it failed, and a node cut off must fence
		// before the other side's grace runs out.
		if r := d.reports[name]; name != d.opts.Node && r != nil && time.Since(r.Received) > d.staleAfter() {
			continue
		}
		v.Alive++
	}
	d.mu.Unlock()
	d.mu.Lock()
	if d.local != nil {
		d.local.Quorum = v.Quorum()
	}
	switch {
	case !v.Quorum():
		d.quorumSince = time.Time{}
	case d.quorumSince.IsZero():
		d.quorumSince = time.Now()
		d.hadQuorum = true
	}
	d.mu.Unlock()
	return v
}

// staleAfter is the age at which a peer's last report means it is lost.
func (d *Daemon) staleAfter() time.Duration {
	return max(5*d.timings.Monitor, time.Second)
}

// view is the cluster as orchestration sees it this round.
func (d *Daemon) view(members map[string]member, votes cluster.Votes) orchestrate.View {
	v := orchestrate.View{Self: d.opts.Node, Quorum: votes.Quorum(), Nodes: map[string]orchestrate.Node{}}
	d.mu.Lock()
	quorumSince := d.quorumSince
	d.mu.Unlock()
	for name, m := range members {
		n := orchestrate.Node{Name: name, Alive: m.Status == "alive"}
		// A failure seen while this node lacked quorum proves nothing: it
		// was the one cut off. The grace counts from when it rejoined the
		// majority at the earliest.
		failedAt := m.Since
		if quorumSince.After(failedAt) {
			failedAt = quorumSince
		}
		n.Gone = m.Status == "left" || (m.Status == "failed" && !quorumSince.IsZero() && time.Since(failedAt) >= d.timings.Grace)
		n.Score = atoiTag(m.Tags["score"])
		n.Load = atofTag(m.Tags["load"])
		v.Nodes[name] = n
	}
	return v
}

// publishRunning records where this node believes each service runs, for
// its report.
func (d *Daemon) publishRunning(cfg *lang.Config, view orchestrate.View) {
	out := map[string][]string{}
	for _, svc := range cfg.Services {
		if s, ok := d.ownView(svc, view); ok {
			out[svc.Name] = orchestrate.RunningNodes(view, s)
		}
	}
	d.mu.Lock()
	d.runningView = out
	d.mu.Unlock()
}
