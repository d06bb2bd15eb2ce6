// Package orchestrate decides, for one node, what to do with a service
// given the cluster as the node sees it. It is pure: the daemon feeds it
// membership, instance reports and the service's cluster-wide state, and
// acts on the decision through the engine.
//
// The safety rule: a node starts a failover service only when it holds
// quorum, no node it cannot rule out reports the service running, and it
// is the one target every node with the same view computes.
//
// The availability rule: a node stops a healthy copy it runs in favour of
// another node only on that node's current word (Node.Fresh): a report
// made since it came back, with quorum held past its settling time. A
// report from before a partition describes a copy the node has fenced
// since, and a node that fenced is held down: neither is a reason to give
// a service up.
package orchestrate

import (
	"slices"
	"sort"

	"github.com/omhcl/omhcl/lang"
)

// Node is a cluster member as this node sees it.
type Node struct {
	Name string
	// Alive: a member serf considers alive.
	Alive bool
	// Gone: failed (or left) for longer than the grace period; its
	// instances count as stopped. A node failed for less than the grace
	// is neither alive nor gone: its last report still counts.
	Gone bool
	// HeldDown: the node fenced lately (it lost quorum) or its link is
	// degraded. It is no candidate while a node that is not held down is,
	// so that a node on a flapping link hands its service over once
	// instead of bouncing it.
	HeldDown bool
	// Degraded: the node's link is lossy now; it hands over what it runs.
	// (A node held down after a fence keeps a copy it runs: moving it
	// would cost an outage for nothing.)
	Degraded bool
	// Fresh: this node's latest report is current news of it: made since
	// it last came back (serf's rejoin), within a lease, while it held
	// quorum and had held it past its settling time. What a node that is
	// not fresh says it runs may have been fenced since (its report
	// predates the partition) or be fencing now (it lacks quorum), and it
	// may not know the cluster's news yet (settling): no running copy is
	// stopped on its word, nor handed to it. This node is always fresh to
	// itself.
	Fresh bool
	Score int
	Load  float64
}

// Instance is a node's report of its copy of a service.
type Instance struct {
	Node string
	// Running: some resource of the instance that is not a standby
	// resource is up.
	Running bool
	// MonitorFailed: the node's monitor gave up on the service here (its
	// restarts are exhausted); the node is no candidate until cleared.
	MonitorFailed bool
	// Claimed: a peer with fresh news believes the service runs on this
	// node. It counts even when this node thinks the node gone: this
	// node's news may be the stale ones (it was cut off itself).
	Claimed bool
}

// Intent is what the operator asked of a service cluster-wide.
type Intent string

const (
	IntentNone    Intent = ""        // follow the orchestrate setting
	IntentStarted Intent = "started" // om SVC start
	IntentStopped Intent = "stopped" // om SVC stop: stopped everywhere, not failed over
)

// Service is a service as this node sees it cluster-wide.
type Service struct {
	Name     string
	Settings lang.Settings
	Intent   Intent
	Frozen   bool
	// Preferred overrides placement: set by switch, takeover, giveback.
	Preferred string
	// Forced: an operator's takeover to this node while no side of the
	// cluster held a majority. The operator vouches that the copy on a
	// node this one cannot reach is gone: it starts without quorum.
	Forced bool
	// Instances by node, from the latest reports.
	Instances map[string]Instance
	// Booting: the daemon just started; orchestrate = "start" acts only now.
	Booting bool
	// Arrived: a resource of the service that migrates live runs here,
	// and this node's engine did not start it (a live migration brought
	// it), while the rest of the service is down here.
	Arrived bool
}

// View is the cluster as this node sees it.
type View struct {
	Self   string
	Nodes  map[string]Node
	Quorum bool
	// Settling: this node regained quorum a moment ago. A node of the
	// majority may have decided to take a service over just before, and
	// the news of that start reaches this node a poll or two later: it
	// starts nothing that runs nowhere until then.
	Settling bool
}

// Action is what this node should do.
type Action string

const (
	None  Action = ""
	Start Action = "start"
	Stop  Action = "stop"
)

// Decision is an action and why.
type Decision struct {
	Action Action
	Reason string
	// Target is the node that should run the service (failover), for
	// status ("placement").
	Target string
	// Planned: a stop that moves a healthy copy to Target (a switch, a
	// giveback, a degraded link's yield), which a service whose container
	// migrates live makes as a live migration.
	Planned bool
}

// Decide returns what v.Self should do with s.
func Decide(v View, s Service) Decision {
	self := s.Instances[v.Self]
	running := RunningNodes(v, s)
	target := Target(v, s)
	d := Decision{Target: target}
	switch {
	case s.Frozen:
		d.Reason = "frozen"
		return d
	case s.Intent == IntentStopped:
		if self.Running {
			d.Action, d.Reason = Stop, "stop requested"
		}
		return d
	case s.Settings.Orchestrate == "no" && s.Intent != IntentStarted:
		return d
	case s.Settings.Orchestrate == "start" && !s.Booting && s.Intent != IntentStarted:
		return d
	}
	if s.Settings.Topology == "flex" {
		return decideFlex(v, s, running)
	}
	if self.Running {
		return decideRunning(v, s, d)
	}
	switch {
	case s.Forced && target == v.Self:
		d.Action, d.Reason = Start, "takeover forced by an operator without quorum"
	case len(running) > 0:
	case target != v.Self:
	case !v.Quorum:
		d.Reason = "no quorum"
	case v.Settling:
		d.Reason = "quorum just regained: waiting for the peers' news"
	default:
		d.Action, d.Reason = Start, "not running anywhere, this node is the placement target"
	}
	return d
}

// decideRunning decides for a node that runs s: it stops only for a
// second copy a fresh node reports, or to hand s to a target that can
// take it now.
func decideRunning(v View, s Service, d Decision) Decision {
	target := d.Target
	if target == v.Self {
		if s.Arrived && !slices.ContainsFunc(RunningNodes(v, s), func(n string) bool { return n != v.Self }) {
			d.Action, d.Reason = Start, "migrated here live: the rest of the service starts"
		}
		return d
	}
	switch others := alsoRunning(v, s); {
	case len(others) > 0:
		// Two copies: the one that is not the target stops, whatever the
		// target can do now. Two is worse than none.
		d.Action, d.Reason = Stop, "also running on "+others[0]+", the placement target"
		if others[0] != target {
			d.Reason = "also running on " + others[0] + "; placement target: " + orNone(target)
		}
	case target == "" || !canTakeOver(v, target):
		// The target is back from a partition and may have fenced, or it
		// is held down: the copy here stays until it can take over.
	case v.Nodes[v.Self].Degraded && v.Quorum:
		d.Action, d.Reason, d.Planned = Stop, "link degraded: yielding to "+target, true
	case s.Preferred != "" && target == s.Preferred:
		d.Action, d.Reason, d.Planned = Stop, "relocating to "+target, true
	}
	return d
}

// alsoRunning lists the other nodes whose own fresh report says they run
// s (or are starting it): a report from before a node's return, or a
// peer's belief, is no proof of a second copy.
func alsoRunning(v View, s Service) []string {
	var out []string
	for name, in := range s.Instances {
		if name != v.Self && in.Running && v.Nodes[name].Fresh && v.Nodes[name].Alive {
			out = append(out, name)
		}
	}
	sort.Strings(out)
	return out
}

// canTakeOver says whether a copy running here may be stopped in favour
// of another node: it is alive, its news is current (Fresh), and it is
// neither held down after a fence nor on a degraded link.
func canTakeOver(v View, node string) bool {
	n, ok := v.Nodes[node]
	return ok && n.Alive && !n.Gone && n.Fresh && !n.HeldDown && !n.Degraded
}

func orNone(node string) string {
	if node == "" {
		return "none"
	}
	return node
}

// RunningNodes lists the nodes whose copy may be running: those reporting
// it running, except gone nodes.
func RunningNodes(v View, s Service) []string {
	var out []string
	for name, in := range s.Instances {
		if (in.Running && !v.Nodes[name].Gone) || in.Claimed {
			out = append(out, name)
		}
	}
	sort.Strings(out)
	return out
}

// Target is the node that should run a failover service: the preferred
// node when it can, else the first candidate in placement order.
func Target(v View, s Service) string {
	cands := Candidates(v, s)
	if s.Preferred != "" && slices.Contains(cands, s.Preferred) {
		return s.Preferred
	}
	if len(cands) == 0 {
		return ""
	}
	return cands[0]
}

// Candidates are the alive nodes of the service, without monitor
// failures, in placement order. drpnodes are candidates only when
// preferred explicitly (takeover). Nodes held down after a fence are
// candidates only when no other node is.
func Candidates(v View, s Service) []string {
	var out, held []string
	for _, name := range s.Settings.Nodes {
		n, ok := v.Nodes[name]
		switch {
		case !ok || !n.Alive || s.Instances[name].MonitorFailed:
		case n.HeldDown || n.Degraded:
			held = append(held, name)
		default:
			out = append(out, name)
		}
	}
	if len(out) == 0 {
		out = held
	}
	if s.Preferred != "" && slices.Contains(s.Settings.DrpNodes, s.Preferred) {
		if n := v.Nodes[s.Preferred]; n.Alive {
			out = append(out, s.Preferred)
		}
	}
	order := func(a, b string) int { return slices.Index(s.Settings.Nodes, a) - slices.Index(s.Settings.Nodes, b) }
	switch s.Settings.Placement {
	case "score":
		slices.SortStableFunc(out, func(a, b string) int {
			if d := v.Nodes[b].Score - v.Nodes[a].Score; d != 0 {
				return d
			}
			return order(a, b)
		})
	case "load avg":
		slices.SortStableFunc(out, func(a, b string) int {
			la, lb := v.Nodes[a].Load, v.Nodes[b].Load
			switch {
			case la < lb:
				return -1
			case la > lb:
				return 1
			}
			return order(a, b)
		})
	}
	return out
}

// FlexTargets are the nodes that should run a flex service: the first
// flex_max candidates in placement order.
func FlexTargets(v View, s Service) []string {
	cands := Candidates(v, s)
	n := s.Settings.FlexMax
	if n <= 0 || n > len(cands) {
		n = len(cands)
	}
	return cands[:n]
}

// decideFlex keeps between flex_min and flex_max instances up, on the
// first candidates in placement order.
func decideFlex(v View, s Service, running []string) Decision {
	want := FlexTargets(v, s)
	self := s.Instances[v.Self]
	d := Decision{}
	switch {
	case self.Running && !slices.Contains(want, v.Self) && len(running) > len(want):
		d.Action, d.Reason = Stop, "more instances than flex_max"
	case !self.Running && slices.Contains(want, v.Self) && v.Quorum:
		d.Action, d.Reason = Start, "flex: below target instance count"
	}
	return d
}
