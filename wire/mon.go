package wire

import (
	"time"

	"github.com/omhcl/omhcl/state"
)

// The cluster view of GET /v1/mon: om mon prints it, omplan --cluster and
// om's waits read it.

// MonView is the cluster as this node sees it: what om mon prints.
type MonView struct {
	Node    string            `json:"node"`
	Threads map[string]string `json:"threads"`
	Quorum  bool              `json:"quorum"`
	// Fencing: without quorum, the side this node lost could hold one, so
	// this node fences (else no side has a majority: nothing fails over).
	Fencing  bool         `json:"fencing"`
	Profile  string       `json:"profile"`
	Nodes    []MonNode    `json:"nodes"`
	Services []MonService `json:"services"`
	// ConfigRefused are the configuration entries this node refused
	// (a peer's, an agent's, its own files'), until it takes a newer one.
	ConfigRefused []ConfigRefusal `json:"config_refused,omitempty"`
	// ConfigBroken says why the stored configurations do not load; the
	// last good configuration is in force meanwhile.
	ConfigBroken string `json:"config_broken,omitempty"`
}

// MonNode is one member.
type MonNode struct {
	Name   string  `json:"name"`
	Addr   string  `json:"addr"`
	Status string  `json:"status"` // alive, failed, left
	Since  string  `json:"since"`
	Gone   bool    `json:"gone"`
	Facts  Facts   `json:"facts"`
	Age    float64 `json:"report_age_seconds"` // seconds since its last report
	// HeldDown: the node fenced or its link is degraded lately; it yields
	// its services to nodes that did not.
	HeldDown bool `json:"held_down,omitempty"`
	// Settling: the node is alive but its news is not current yet (its
	// last report predates its rejoin, or it regained quorum lately): no
	// running service is handed to it, nor stopped on its word.
	Settling bool `json:"settling,omitempty"`
	// VouchedDown: an operator vouched the node down (takeover --force):
	// it does not count toward this node's quorum until seen alive again.
	VouchedDown bool `json:"vouched_down,omitempty"`
	// BeaconLoss is the share of this node's lease beacons to that node
	// left unanswered lately, in percent (absent: too few to tell).
	BeaconLoss *int `json:"beacon_loss_pct,omitempty"`
	// Frozen, Draining, Drained: the node's maintenance state, by its
	// latest report (om node freeze, om node drain).
	Frozen   bool `json:"frozen,omitempty"`
	Draining bool `json:"draining,omitempty"`
	Drained  bool `json:"drained,omitempty"`
}

// MonService is one service across the nodes.
type MonService struct {
	Name        string                         `json:"name"`
	Orchestrate string                         `json:"orchestrate"`
	Topology    string                         `json:"topology"`
	Nodes       []string                       `json:"nodes"`
	DrpNodes    []string                       `json:"drpnodes,omitempty"`
	Frozen      bool                           `json:"frozen"`
	Intent      string                         `json:"intent,omitempty"`
	Preferred   string                         `json:"preferred,omitempty"`
	Target      string                         `json:"target"`  // failover: the node that should run it
	Targets     []string                       `json:"targets"` // every node that should run it (flex: several)
	FlexMin     int                            `json:"flex_min,omitempty"`
	FlexMax     int                            `json:"flex_max,omitempty"`
	Config      state.ConfigVersion            `json:"config"`
	Running     []string                       `json:"running_on"`
	Placement   string                         `json:"placement"` // optimal, non-optimal
	Instances   map[string]*InstanceReport     `json:"instances"`
	Configs     map[string]state.ConfigVersion `json:"configs"` // the version each node has
}

// ConfigRefusal is an entry the node did not store, and why.
type ConfigRefusal struct {
	Service string              `json:"service"`
	Version state.ConfigVersion `json:"version"`
	From    string              `json:"from"`
	Why     string              `json:"why"`
	At      time.Time           `json:"at"`
	// Accept says how to make the change the entry carried, when it may
	// be made another way (an edit inside a container, made on the node).
	Accept string `json:"accept,omitempty"`
}
