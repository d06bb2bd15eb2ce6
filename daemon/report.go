package daemon

import (
	"encoding/json"
	"hash/fnv"
	"sort"
	"time"

	"github.com/omhcl/omhcl/plan"
	"github.com/omhcl/omhcl/providers"
	"github.com/omhcl/omhcl/state"
	"github.com/omhcl/omhcl/wire"
)

// instanceReport summarizes a live instance.
func instanceReport(li *plan.LiveInstance) *wire.InstanceReport {
	r := &wire.InstanceReport{Service: li.Service, Status: li.Status}
	for _, lr := range li.Resources {
		r.Resources = append(r.Resources, wire.ResourceBrief{RID: lr.RID, Status: lr.Status, Flags: lr.Flags})
		if lr.Skipped != "" || lr.Standby {
			continue
		}
		if lr.Arms {
			// a sync says nothing of whether the service runs, except in
			// a service with nothing else to run (plan.LiveInstance.Armed)
			r.Running = r.Running || li.Armed(lr)
			continue
		}
		switch lr.Status {
		case providers.Up, providers.Warn:
			r.Running = true
		case providers.NA, providers.Undef:
			// started here and not readable now (undef: its libvirtd or
			// engine does not answer; a guest outlives its libvirtd): it
			// may run, so it counts as running, never as a service
			// running nowhere that a start here or elsewhere would fix
			r.Running = r.Running || lr.Applied != nil
		}
	}
	return r
}

// noteTTL is how long om mon shows the outcome of an action.
const noteTTL = 30 * time.Second

// localReport is this node's report, as served to peers.
func (d *Daemon) localReport() *wire.NodeReport {
	d.mu.Lock()
	defer d.mu.Unlock()
	rep := &wire.NodeReport{Node: d.opts.Node, Time: time.Now(), Instances: map[string]*wire.InstanceReport{}}
	if d.local != nil {
		rep.Quorum = d.local.Quorum
		rep.Facts = d.local.Facts
		for k, v := range d.local.Instances {
			cp := *v
			if run := d.services[k]; run != nil {
				cp.Busy, cp.MonitorFailed, cp.Conflict = run.busy, run.monitorFailed, run.conflict
				cp.Running = run.running(&cp)
				if run.conflict {
					cp.Conflicts, cp.RetryInMs = run.conflicts, max(time.Until(run.retryAfter), 0).Milliseconds()
				}
				if time.Since(run.noteAt) < noteTTL {
					cp.Note = run.note
				}
			}
			rep.Instances[k] = &cp
		}
	}
	if !d.quorumSince.IsZero() && rep.Quorum {
		rep.QuorumForMs = max(rep.Time.Sub(d.quorumSince), 0).Milliseconds()
	}
	rep.QuorumEpoch = d.quorumEpoch
	rep.Shared = d.shared.all()
	rep.Configs = d.configs.versions()
	rep.Running = d.runningView
	rep.LeaseGrants = d.leases.grants(d.cluster.Nodes, time.Now())
	rep.TakeoverWaitMs = d.takeoverWait().Milliseconds()
	rep.HoldDownMs = max(d.heldUntil.Sub(rep.Time), 0).Milliseconds()
	d.reportMaintenance(rep)
	rep.LinkLoss = d.linkLoss(d.cluster.Nodes, rep.Time)
	d.digest.Store(reportDigest(rep))
	return rep
}

// liveState is this node's live state document (what om status --json
// prints), from the last round: omplan --cluster plans every node from it.
func (d *Daemon) liveState() *plan.Live {
	d.mu.Lock()
	defer d.mu.Unlock()
	l := &plan.Live{FormatVersion: plan.LiveFormatVersion, Node: d.opts.Node}
	for _, li := range d.lives {
		l.Services = append(l.Services, li)
	}
	sort.Slice(l.Services, func(i, j int) bool { return l.Services[i].Service < l.Services[j].Service })
	return l
}

// reportDigest sums up what in a report can change this node's
// decisions, leaving out what moves with the clock alone (its time,
// quorum age, lease grants, facts, retry countdowns, notes). Beacon
// answers carry the reporter's (digest.go): a peer polls a report only
// when it changed, and an unchanged one stays current news.
func reportDigest(r *wire.NodeReport) uint64 {
	type inst struct {
		Status                           providers.State
		Running, MonitorFailed, Conflict bool
		Busy                             string
		Resources                        []wire.ResourceBrief
	}
	insts := make(map[string]inst, len(r.Instances))
	for name, in := range r.Instances {
		if in != nil {
			insts[name] = inst{in.Status, in.Running, in.MonitorFailed, in.Conflict, in.Busy, in.Resources}
		}
	}
	loss := r.LinkLoss
	if len(loss) == 0 {
		loss = nil // omitted when empty: the same on both ends
	}
	b, _ := json.Marshal(struct {
		Node                                        string
		Quorum, HeldDown, Frozen, Draining, Drained bool
		QuorumEpoch, TakeoverWaitMs                 int64
		Instances                                   map[string]inst
		Shared                                      map[string]wire.ServiceState
		Configs                                     map[string]state.ConfigVersion
		Running                                     map[string][]string
		LinkLoss                                    map[string]int
	}{r.Node, r.Quorum, r.HoldDownMs > 0, r.Frozen, r.Draining, r.Drained, r.QuorumEpoch, r.TakeoverWaitMs,
		insts, r.Shared, r.Configs, r.Running, loss})
	h := fnv.New64a()
	h.Write(b)
	return h.Sum64()
}
