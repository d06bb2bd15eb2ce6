// Package plan computes what must change on a node to converge its
// services: a pure function of the evaluated configuration, the live state
// and the node's record of what it last applied. It also renders plans as
// text, JSON and markdown.
package plan

import (
	"slices"
	"time"

	"github.com/omhcl/omhcl/lang"
	"github.com/omhcl/omhcl/providers"
)

// FormatVersion versions the JSON plan document.
const FormatVersion = "1.0"

// Target is what a service should be on a node.
type Target string

const (
	// TargetUp: every managed resource up.
	TargetUp Target = "up"
	// TargetStandby: only standby resources up (a failover service's
	// secondary nodes).
	TargetStandby Target = "standby"
	// TargetDown: every resource down.
	TargetDown Target = "down"
	// TargetProvision: every resource provisioned, then up.
	TargetProvision Target = "provision"
	// TargetUnprovision: every resource down and unprovisioned; destroys data.
	TargetUnprovision Target = "unprovision"
)

// ActUpdate applies a change to a running resource in place.
const ActUpdate providers.Action = "update"

// DefaultTarget is what a service should be on node without a cluster
// daemon deciding placement: up on its first node (every node for flex),
// standby on the other nodes, down elsewhere.
func DefaultTarget(s lang.Settings, node string) Target {
	switch Role(s, node) {
	case "primary":
		return TargetUp
	case "secondary":
		if s.Topology == "flex" {
			return TargetUp
		}
		return TargetStandby
	case "drp":
		return TargetStandby
	case "encap":
		return TargetUp
	}
	return TargetDown
}

// Options select what to plan.
type Options struct {
	Node string
	// Target overrides the default target of every planned service.
	Target Target
	// RIDs and Tags restrict the plan to a subset of resources (--rid,
	// --tag); empty means all.
	RIDs []string
	Tags []string
	// Targets are resource addresses (-target): only their services are
	// planned, and in those only the resources they name with what these
	// need (see ParseAddress). Empty means all.
	Targets []string `json:",omitempty"`
	// Levels selects the levels of encapsulated services (zero: all).
	Levels Levels
}

// Plan is an ordered set of changes for one node.
type Plan struct {
	FormatVersion string    `json:"format_version"`
	ID            string    `json:"id"`
	Node          string    `json:"node"`
	CreatedAt     time.Time `json:"created_at"`
	// Fingerprint identifies the live state the plan was computed from; a
	// saved plan is refused once it no longer matches.
	Fingerprint string    `json:"fingerprint"`
	Changes     []*Change `json:"resource_changes"`
	// Steps are the driver calls in execution order: every stop (reverse
	// dependency order), then every provision and start.
	Steps []Step `json:"steps"`
	// Errored marks a plan that cannot be applied: checks found errors
	// (an attribute its operations need is missing or wrong).
	Errored bool `json:"errored"`
	// Diagnostics are the planning's errors and warnings, located in the
	// configuration.
	Diagnostics []lang.JSONDiagnostic `json:"diagnostics"`
	// Notes say what the plan leaves alone on purpose: the levels inside
	// containers whose own daemons place the service.
	Notes []string `json:"notes,omitempty"`
}

// Change describes everything that happens to one resource.
type Change struct {
	Address string             `json:"address"`
	Service string             `json:"service"`
	RID     string             `json:"rid"`
	Kind    string             `json:"kind"`
	Type    string             `json:"type"`
	Node    string             `json:"node"`
	Actions []providers.Action `json:"actions"`
	Reason  string             `json:"reason,omitempty"`
	Before  *ResourceValues    `json:"before"`
	After   *ResourceValues    `json:"after"`
	// Operations are the exact operations the steps will run.
	Operations   []string `json:"operations"`
	DestroysData bool     `json:"destroys_data"`
	Optional     bool     `json:"optional,omitempty"`
	// Level is LevelNode for the node's own resources, LevelEncap for
	// those inside a container, which EncapNode and Container name.
	Level     string `json:"level"`
	EncapNode string `json:"encap_node,omitempty"`
	Container string `json:"container,omitempty"`
	// Deferred: the level inside was not reported (its container is not
	// running yet, or starts anew): its agent plans it again then.
	Deferred bool `json:"known_after_apply,omitempty"`
	// spec order of attributes, and those left at their default, for
	// rendering
	attrOrder []string
	defaults  []string
}

// Has reports whether the change includes action a.
func (c *Change) Has(a providers.Action) bool { return slices.Contains(c.Actions, a) }

// ResourceValues is a resource's state on one side of a change.
type ResourceValues struct {
	Status      providers.State `json:"status"`
	Provisioned bool            `json:"provisioned"`
	Config      Values          `json:"config,omitempty"`
	// Unknown lists the attributes known only after apply.
	Unknown []string `json:"config_unknown,omitempty"`
}

// Step is one driver call. A stop acts on the resource as it was last
// applied when the node has a record of it (the old side of a replace, a
// resource removed from the configuration).
type Step struct {
	Address string           `json:"address"`
	Service string           `json:"service"`
	RID     string           `json:"rid"`
	Action  providers.Action `json:"action"`
	// Optional: a failure is reported but does not fail the service.
	Optional bool `json:"optional,omitempty"`
	// EncapNode marks a call to the agent inside the container RID, which
	// converges its level toward Target through its own engine.
	EncapNode string `json:"encap_node,omitempty"`
	Target    Target `json:"target,omitempty"`
	// RIDs limits the agent to these resources (a subset action).
	RIDs []string `json:"rids,omitempty"`
	// NodeDrops are the level's addresses the node drops itself when the
	// agent cannot (its container shares the node's network namespace,
	// and is dead or does not answer).
	NodeDrops []string `json:"node_drops,omitempty"`
}

// Empty reports whether the plan changes nothing.
func (p *Plan) Empty() bool { return len(p.Steps) == 0 }

// The levels of a change.
const (
	LevelNode  = "node"
	LevelEncap = "encap"
)

// Address is a resource's address in plans: "svc1.fs#app".
func Address(svc, rid string) string { return svc + "." + rid }
