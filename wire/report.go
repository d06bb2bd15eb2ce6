package wire

import (
	"time"

	"github.com/omhcl/omhcl/orchestrate"
	"github.com/omhcl/omhcl/providers"
	"github.com/omhcl/omhcl/state"
)

// What a node reports: the peer API (inside the cluster's transport)
// carries a NodeReport at every poll (GET /peer/v1/report), the mon view
// shows its instances and facts, and an action answers with the
// service's ServiceState.

// NodeReport is what a node tells its peers every round.
type NodeReport struct {
	Node     string    `json:"node"`
	Time     time.Time `json:"time"`
	Received time.Time `json:"-"`
	// Sent is when this node sent the poll this report answered (its own
	// clock): a report asked for before the reporter's rejoin is old news.
	Sent time.Time `json:"-"`
	// Digest is the receiver's digest of the report (daemon/digest.go).
	Digest uint64 `json:"-"`
	Quorum bool   `json:"quorum"`
	// QuorumForMs is how long the reporter has held quorum without a
	// break (0: it has none). A node that regained it a moment ago may
	// still be finishing a fence, and has not heard the majority's news.
	QuorumForMs int64 `json:"quorum_for_ms"`
	// QuorumEpoch counts the reporter's regains of quorum: a report
	// whose digest is unchanged held its quorum without a break.
	QuorumEpoch int64                          `json:"quorum_epoch,omitempty"`
	Facts       Facts                          `json:"facts"`
	Instances   map[string]*InstanceReport     `json:"instances"`
	Shared      map[string]ServiceState        `json:"shared"`
	Configs     map[string]state.ConfigVersion `json:"configs"`
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
	// Frozen: the reporter decides nothing on its own (om node freeze);
	// Draining: it moves its services off and starts none (om node
	// drain), Drained once nothing runs there. Both also report a
	// hold-down, so that older peers place nothing there either.
	Frozen   bool `json:"frozen,omitempty"`
	Draining bool `json:"draining,omitempty"`
	Drained  bool `json:"drained,omitempty"`
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

// ServiceState is the cluster-wide state of a service that operators
// change: frozen, the intent (started, stopped), the preferred node. Every
// node keeps a copy; the highest generation wins (ties: the node name).
type ServiceState struct {
	Frozen    bool               `json:"frozen"`
	Intent    orchestrate.Intent `json:"intent,omitempty"`
	Preferred string             `json:"preferred,omitempty"`
	// Forced is the node an operator's takeover forced while no side held
	// a majority: it starts there without quorum. Cleared by the first
	// node that holds quorum again.
	Forced string `json:"forced,omitempty"`
	Gen    int64  `json:"generation"`
	By     string `json:"by"`
}

// Facts are the node figures placement and om mon use, carried in serf tags.
type Facts struct {
	Score  int     `json:"score"`
	Load15 float64 `json:"load15"`
	MemPct int     `json:"mem_pct"` // memory in use, percent
	MemGB  float64 `json:"mem_gb"`  // total memory
}

// MaxConflictBackoff bounds the wait between starts that find the
// service's address answering elsewhere: the daemon's backoff stops
// growing there, and om mon says so next to InstanceReport.RetryInMs.
const MaxConflictBackoff = time.Minute
