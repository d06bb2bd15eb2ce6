package daemon

import (
	"context"
	"fmt"
	"os/exec"
	"time"

	"github.com/omhcl/omhcl/engine"
	"github.com/omhcl/omhcl/lang"
	"github.com/omhcl/omhcl/orchestrate"
	"github.com/omhcl/omhcl/plan"
	"github.com/omhcl/omhcl/providers"
	"github.com/omhcl/omhcl/wire"
)

// monitor restarts a monitored resource that went down on the node running
// the service, up to its restart count, then runs the service's
// monitor_action.
func (d *Daemon) monitor(ctx context.Context, cfg *lang.Config, svc *lang.Service, li *plan.LiveInstance, view orchestrate.View) {
	if li == nil {
		return
	}
	sh := d.shared.get(svc.Name)
	// Only the node running the service restarts its resources: a node
	// revived after a crash holds records of an app that died with it,
	// and that is the orchestrator's business, not a restart's.
	if sh.Frozen || sh.Intent == orchestrate.IntentStopped || !d.runsHere(svc.Name) || d.isDraining() {
		return
	}
	for _, w := range watchedResources(li) {
		lr := w.lr
		// down although this node started it: it died
		if !lr.Monitor || lr.Skipped != "" || lr.Applied == nil || lr.Status != providers.Down {
			continue
		}
		d.mu.Lock()
		run := d.run(svc.Name)
		// an observation begun before the last action ended may have
		// seen a planned stop's middle: a guest shutting down, its record
		// not yet cleared, a death to it
		busy := run.busy != "" || run.stale()
		tries := run.restarts[w.key]
		last := run.restartedAt[w.key]
		d.mu.Unlock()
		if busy || time.Since(last) < restartDelay(svc, w.node(d.opts.Node), lr.RID) {
			return
		}
		if tries < lr.Restart {
			if d.act(ctx, cfg, svc.Name, "restart "+w.key, fmt.Sprintf("monitored resource down, restart %d/%d", tries+1, lr.Restart),
				engine.Request{Target: plan.TargetUp, RIDs: []string{lr.RID}, Levels: w.levels}) {
				d.mu.Lock()
				run.restarts[w.key]++
				run.restartedAt[w.key] = time.Now()
				d.mu.Unlock()
			}
			return
		}
		d.monitorAction(ctx, cfg, svc, w)
		return
	}
}

// watched is a resource the monitor looks after, at its level.
type watched struct {
	lr     *plan.LiveResource
	key    string // the rid, "vm1:app#web" inside a container
	encap  string // the encap node, "" at the node's level
	levels plan.Levels
}

func (w watched) node(self string) string {
	if w.encap != "" {
		return w.encap
	}
	return self
}

// watchedResources are the node's resources, then those inside its
// containers as their agents last reported them.
func watchedResources(li *plan.LiveInstance) []watched {
	var out []watched
	for _, lr := range li.Resources {
		// a container that hosts an encap node restarts with its level
		// inside (a subset naming the container alone converges it)
		out = append(out, watched{lr: lr, key: lr.RID, levels: plan.Levels{Master: true, AllSlaves: true}})
	}
	for _, ctr := range li.Resources {
		in := ctr.Inside
		if in == nil || in.Instance == nil {
			continue
		}
		for _, lr := range in.Instance.Resources {
			out = append(out, watched{lr: lr, key: in.Node + ":" + lr.RID, encap: in.Node, levels: plan.Levels{Slaves: []string{in.Node}}})
		}
	}
	return out
}

// restartDelay is the resource's restart_delay: the wait between restarts.
func restartDelay(svc *lang.Service, node, rid string) time.Duration {
	inst, _ := svc.Evaluate(node, nil)
	if inst == nil {
		return 0
	}
	if r := inst.Resource(rid); r != nil {
		return r.Common.RestartDelay
	}
	return 0
}

// monitorAction runs once restarts are exhausted.
func (d *Daemon) monitorAction(ctx context.Context, cfg *lang.Config, svc *lang.Service, w watched) {
	inst, diags := svc.Evaluate(d.opts.Node, nil)
	if diags.HasErrors() {
		return
	}
	why := w.key + " down, restarts exhausted"
	action := inst.Settings.MonitorAction
	if w.encap != "" && (action == "crash" || action == "reboot") {
		// A container is a lower trust domain: its agent's word alone
		// moves the service, never takes the node down.
		why += fmt.Sprintf(" as the agent in %s reports it; monitor_action %s is never run on a container's word", w.encap, action)
		action = "switch"
	}
	switch action {
	case "freezestop":
		d.emit(wire.Event{Kind: wire.EventMonitor, Service: svc.Name, RID: w.key, Action: "freezestop", Reason: why})
		d.shared.update(svc.Name, d.opts.Node, func(s *wire.ServiceState) { s.Frozen = true })
		d.act(ctx, cfg, svc.Name, "freezestop", why, engine.Request{Target: plan.TargetDown})
	case "switch":
		d.emit(wire.Event{Kind: wire.EventMonitor, Service: svc.Name, RID: w.key, Action: "switch", Reason: why})
		d.mu.Lock()
		d.run(svc.Name).monitorFailed = true
		d.mu.Unlock()
		d.act(ctx, cfg, svc.Name, "stop", why+": relocating", engine.Request{Target: plan.TargetDown})
	case "crash", "reboot":
		// Only ever configured explicitly: the node goes down so the
		// cluster fails the service over.
		d.errorf("%s: %s: monitor_action %s", svc.Name, why, action)
		d.emit(wire.Event{Kind: wire.EventMonitor, Service: svc.Name, RID: w.key, Action: action, Reason: why})
		sysrq(map[string]string{"crash": "c", "reboot": "b"}[action])
	default:
		d.mu.Lock()
		run := d.run(svc.Name)
		if run.note != why {
			run.note, run.noteAt = why, time.Now()
			d.warnf("%s: %s, no monitor_action set", svc.Name, why)
			d.emit(wire.Event{Kind: wire.EventMonitor, Service: svc.Name, RID: w.key, Reason: why + ", no monitor_action set"})
		}
		d.mu.Unlock()
	}
}

// sysrq crashes (c) or reboots (b) the node at once; tests replace it.
var sysrq = func(key string) {
	exec.Command("sh", "-c", "echo 1 > /proc/sys/kernel/sysrq; echo "+key+" > /proc/sysrq-trigger").Run()
}
