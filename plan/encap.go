package plan

import (
	"context"

	"fmt"
	"github.com/hashicorp/hcl/v2"
	"slices"
	"strings"
	"time"

	"github.com/omhcl/omhcl/lang"
	"github.com/omhcl/omhcl/providers"
	"github.com/omhcl/omhcl/state"
)

// A service is encapsulated (seed 002) when some of its containers are
// nodes of its own: encapnodes names them, resources tagged encap run
// inside them, driven by an agent there, and the node's own resources (the
// containers among them) are the master level. The planner sees the level
// inside a running container through that agent's status, and plans it
// as it would plan from a snapshot; apply hands each container's level to
// its agent, which converges through its own engine.

// EncapHost is a container resource of a service whose container is one
// of the service's encap nodes.
type EncapHost struct {
	Service   string `json:"service"`
	Container string `json:"container"` // its rid: "container#0"
	Node      string `json:"encap_node"`
}

// EncapHosts lists the container resources of inst, at the node level,
// that host one of its encap nodes, in start order.
func EncapHosts(inst *lang.Instance) []EncapHost {
	if len(inst.Settings.EncapNodes) == 0 || isEncapNode(inst) {
		return nil
	}
	var out []EncapHost
	for _, r := range inst.Resources {
		if r.Common.Encap || r.Common.Disable {
			continue
		}
		if n := r.EncapNode(); n != "" && slices.Contains(inst.Settings.EncapNodes, n) {
			out = append(out, EncapHost{Service: inst.Service, Container: r.RID(), Node: n})
		}
	}
	return out
}

// isEncapNode reports whether inst is evaluated for one of its encap nodes:
// the level inside a container.
func isEncapNode(inst *lang.Instance) bool {
	return slices.Contains(inst.Settings.EncapNodes, inst.Node)
}

// EncapStatus is the service as the agent inside a container last saw it.
type EncapStatus struct {
	Node string `json:"encap_node"`
	// CheckedAt is when the agent was asked; status rounds reuse it for a
	// while instead of running the agent on every check.
	CheckedAt time.Time `json:"checked_at"`
	// Error says why there is no status: no agent, a failing one.
	Error    string        `json:"error,omitempty"`
	Instance *LiveInstance `json:"instance,omitempty"`
	// Conflict reports configurations of the same generation and other
	// texts on the node and inside; ConfigNote a newer one pulled from
	// inside.
	Conflict   string `json:"config_conflict,omitempty"`
	ConfigNote string `json:"config_note,omitempty"`
	// ConfigRefused says why the node refused a newer configuration the
	// agent held (edited inside: it changed the node's level), which the
	// node then replaced with its own.
	ConfigRefused string `json:"config_refused,omitempty"`
	// NewerConfig is that newer configuration: the level inside runs it,
	// so plans of the level use it.
	NewerConfig *state.ConfigEntry `json:"newer_config,omitempty"`
	// Leftovers are the addresses of the level inside left on the node by
	// a container that shared its network namespace and no longer runs:
	// the node drops them itself at the next stop.
	Leftovers []string `json:"leftovers,omitempty"`
	// Orchestrated: a daemon runs inside the container (a farmed
	// topology): the daemons inside place the level among the containers,
	// not the node (see PlacedInside).
	Orchestrated bool `json:"orchestrated,omitempty"`
}

// State is what the level inside counts for in the service's status: its
// own, or warn when the agent could not tell (never up). A level the
// daemons inside place counts for nothing: down in this container may be
// where they want it (a failover service running in another container).
func (s *EncapStatus) State() (providers.State, bool) {
	switch {
	case s == nil:
		return "", false
	case s.Error != "" || s.Instance == nil || s.Conflict != "":
		return providers.Warn, true
	case s.Instance.Status == providers.NA, s.Orchestrated:
		return "", false
	}
	return s.Instance.Status, true
}

// Age is how old the status is at now.
func (s *EncapStatus) Age(now time.Time) time.Duration {
	return now.Sub(s.CheckedAt).Round(time.Second)
}

// EncapAgents reach the agents inside containers. The planner only reads
// their status; apply asks them to converge their level.
type EncapAgents interface {
	// Status is the service's status in the container x, maybe cached;
	// refresh asks the agent now.
	Status(ctx context.Context, h EncapHost, x providers.Executor, refresh bool) *EncapStatus
	// Converge makes the level inside x what target says, through the
	// agent's own engine, limited to rids and tags when set.
	Converge(ctx context.Context, h EncapHost, x providers.Executor, req EncapRequest, log *providers.Log) error
}

// EncapRequest is what apply asks of one container's agent.
type EncapRequest struct {
	Target Target
	RIDs   []string
	Tags   []string
}

// Levels selects the levels of encapsulated services a plan acts on: the
// node's own resources (--master), the level inside some containers
// (--slave NAME) or all of them (--slaves). The zero value is every level.
type Levels struct {
	Master    bool
	Slaves    []string
	AllSlaves bool
}

// All reports whether no level was named: every level is planned.
func (l Levels) All() bool { return !l.Master && !l.AllSlaves && len(l.Slaves) == 0 }

// Node reports whether the node's own resources are planned.
func (l Levels) Node() bool { return l.All() || l.Master }

// Slave reports whether the level inside the encap node is planned.
func (l Levels) Slave(node string) bool {
	return l.All() || l.AllSlaves || slices.Contains(l.Slaves, node)
}

// encapLevelNeeded is the error of a subset action naming encap resources
// without a level: the seed asks the operator to say where it acts.
func encapLevelNeeded(svc string, rids, nodes []string) error {
	return fmt.Errorf("%s: %s %s encapsulated: say at which level to act: --master (this node's resources), --slave NAME (inside one container: %s) or --slaves (inside all of them)",
		svc, strings.Join(rids, ", "), isAre(len(rids)), strings.Join(nodes, ", "))
}

func isAre(n int) string {
	if n == 1 {
		return "is"
	}
	return "are"
}

// EncapAddress is the address of a resource of the level inside an encap
// node: "svc1[vm1].fs#1".
func EncapAddress(svc, node, rid string) string { return svc + "[" + node + "]." + rid }

// unknownSlaves refuses --slave names that are no encap node of the
// planned services: a typo would plan nothing and look like success.
func unknownSlaves(lv Levels, inputs []Input) hcl.Diagnostics {
	var known []string
	for _, in := range inputs {
		for _, e := range in.Encaps {
			known = append(known, e.Host.Node)
		}
	}
	var diags hcl.Diagnostics
	for _, n := range lv.Slaves {
		if slices.Contains(known, n) {
			continue
		}
		have := "none: no planned service is encapsulated here"
		if len(known) > 0 {
			have = strings.Join(known, ", ")
		}
		diags = append(diags, errorDiag("Unknown encap node", fmt.Sprintf("--slave %q: no container of the planned services hosts that encap node (encap nodes: %s)", n, have)))
	}
	return diags
}
