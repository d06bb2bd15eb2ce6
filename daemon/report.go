package daemon

import (
	"sort"
	"time"

	"github.com/omhcl/omhcl/plan"
	"github.com/omhcl/omhcl/providers"
)

// NodeReport is what a node tells its peers every round.
type NodeReport struct {
	Node     string    `json:"node"`
	Time     time.Time `json:"time"`
	Received time.Time `json:"-"`
	// Sent is when this node sent the poll this report answered (its own
	// clock): a report asked for before the reporter's rejoin is old news.
	Sent   time.Time `json:"-"`
	Quorum bool      `json:"quorum"`
	// QuorumForMs is how long the reporter has held quorum without a
	// break (0: it has none). A node that regained it a moment ago may
	// still be finishing a fence, and has not heard the majority's news.
	QuorumForMs int64                      `json:"quorum_for_ms"`
	Facts       Facts                      `json:"facts"`
	Instances   map[string]*InstanceReport `json:"instances"`
	Shared      map[string]ServiceState    `json:"shared"`
	Configs     map[string]Version         `json:"configs"`
	// Running is where the reporter believes each service runs (its
	// running set, gone nodes left out). A node starts a service only
	// when no peer believes it runs elsewhere: a node back from a
	// partition has stale news of the others; its peers do not.
	Running map[string][]string `json:"running"`
	// LeaseGrants is, per node, how many milliseconds ago the reporter
	// last answered that node's poll (granted it a quorum lease).
	LeaseGrants map[string]int64 `json:"lease_grants_ms"`
	// TakeoverWaitMs is how long, by the reporter's own timings, the
	// others must not have answered it before taking over its services.
	TakeoverWaitMs int64 `json:"takeover_wait_ms"`
	// HoldDownMs is how much longer the reporter yields its services
	// after a fence (0: it is a candidate as any).
	HoldDownMs int64 `json:"hold_down_ms,omitempty"`
	// LinkLoss is, per peer, the share of the reporter's lease beacons
	// that peer left unanswered lately, in percent (links.go).
	LinkLoss map[string]int `json:"link_loss_pct,omitempty"`
}

// InstanceReport is one service's copy on the reporting node.
type InstanceReport struct {
	Service string          `json:"service"`
	Status  providers.State `json:"status"`
	// Running: a resource that is not a standby resource is up.
	Running       bool   `json:"running"`
	MonitorFailed bool   `json:"monitor_failed,omitempty"`
	Busy          string `json:"busy,omitempty"` // the action in progress
	Note          string `json:"note,omitempty"` // the last orchestration outcome
	// Conflict: this node's last start found the service's address in use
	// on the network, a copy no daemon manages.
	Conflict bool `json:"conflict,omitempty"`
	// Conflicts counts the starts in a row that found it so, and
	// RetryInMs says when this node tries again (it backs off).
	Conflicts int             `json:"conflicts,omitempty"`
	RetryInMs int64           `json:"retry_in_ms,omitempty"`
	Resources []ResourceBrief `json:"resources"`
}

// ResourceBrief is a resource line of om mon.
type ResourceBrief struct {
	RID    string          `json:"rid"`
	Status providers.State `json:"status"`
	Flags  string          `json:"flags"`
}

// instanceReport summarizes a live instance.
func instanceReport(li *plan.LiveInstance) *InstanceReport {
	r := &InstanceReport{Service: li.Service, Status: li.Status}
	for _, lr := range li.Resources {
		r.Resources = append(r.Resources, ResourceBrief{RID: lr.RID, Status: lr.Status, Flags: lr.Flags})
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
		case providers.NA:
			r.Running = r.Running || lr.Applied != nil
		}
	}
	return r
}

// noteTTL is how long om mon shows the outcome of an action.
const noteTTL = 30 * time.Second

// localReport is this node's report, as served to peers.
func (d *Daemon) localReport() *NodeReport {
	d.mu.Lock()
	defer d.mu.Unlock()
	rep := &NodeReport{Node: d.opts.Node, Time: time.Now(), Instances: map[string]*InstanceReport{}}
	if d.local != nil {
		rep.Quorum = d.local.Quorum
		rep.Facts = d.local.Facts
		for k, v := range d.local.Instances {
			cp := *v
			if run := d.services[k]; run != nil {
				cp.Busy, cp.MonitorFailed, cp.Conflict = run.busy, run.monitorFailed, run.conflict
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
	rep.Shared = d.shared.all()
	rep.Configs = d.configs.versions()
	rep.Running = d.runningView
	rep.LeaseGrants = d.leases.grants(d.cluster.Nodes, time.Now())
	rep.TakeoverWaitMs = d.takeoverWait().Milliseconds()
	rep.HoldDownMs = max(d.heldUntil.Sub(rep.Time), 0).Milliseconds()
	if d.draining {
		rep.HoldDownMs = max(rep.HoldDownMs, drainHoldDown.Milliseconds())
	}
	rep.LinkLoss = d.linkLoss(d.cluster.Nodes, rep.Time)
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
