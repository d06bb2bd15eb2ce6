// Package providers defines the contract between the engine and resource
// drivers, and the registry that maps a resource's kind.type to its driver.
//
// A driver package registers a Spec in its init function; the engine imports
// providers/all to get every driver. The engine never talks to the system
// directly: every change to a node goes through a Driver.
package providers

import (
	"context"
	"errors"
	"sort"
	"time"

	"github.com/zclconf/go-cty/cty"
)

// KindOrder is the default start order of resource kinds. Stops run in
// reverse. References and depends_on add edges on top of this order.
var KindOrder = []string{"ip", "disk", "fs", "container", "app", "sync"}

// AttrSpec describes one attribute of a resource block.
type AttrSpec struct {
	Name     string
	Type     cty.Type
	Required bool
	// Default is used when the attribute is absent; cty.NilVal means the
	// attribute is null when absent.
	Default cty.Value
	Doc     string
	// InPlace marks an attribute whose change applies to a running resource
	// without restarting it (an app's check command). A change to any other
	// attribute of a running resource is a stop then a start.
	InPlace bool
	// Exclusive marks a value two resources of a service must not share
	// (the device a filesystem is made on): validate warns when they do.
	Exclusive bool
	// Words marks a list(string) that also takes one string, split into
	// words as a shell would (without running one): a command, written
	// "/bin/sleep 100" as docker-compose and OpenSVC take it. Plans show
	// the list.
	Words bool
}

// Spec describes a driver: the attributes its resource blocks accept, the
// extra attributes it exposes to references, and how to build it.
type Spec struct {
	Kind string // "ip", "disk", "fs", "app", ...
	Type string // "host", "loop", "vg", "lv", "ext4", "forking", ...
	// Default marks the type used when a block of this kind sets no type.
	Default bool
	Doc     string
	Attrs   []AttrSpec
	// Exposed lists the attributes only the live system knows (the loop
	// device behind a backing file). They are unknown until the resource is
	// up, and shown as "(known after apply)" in plans.
	Exposed []AttrSpec
	// Provisionable is false for drivers with nothing to provision (app):
	// status shows "/" in the provisioned flag column.
	Provisionable bool
	// NoData marks a provisionable driver holding no data: unprovisioning
	// it destroys nothing (an ip address is only forgotten).
	NoData bool
	// FreshStart marks drivers whose start, when the resource was down,
	// makes it anew (a container: a new network namespace), so the running
	// resources that refer to it restart after it, as after a replace: a
	// container sharing a pause container's namespace must join the new one.
	FreshStart bool
	// Arms marks drivers whose Start and Stop only arm and disarm the
	// resource (a sync, armed where the service runs): where it is not
	// armed its status is n/a, "paused, service not up", as in the
	// seeds, and its status never says whether the service runs here.
	Arms bool
	// Address marks drivers whose resource holds a service address (an
	// ip): the fence drops these first, at every level of a service, and
	// the node drops those a dead container sharing its network left on
	// it. The fence names them to the agents inside containers by kind
	// (--rid ip), so every driver of a kind declares the same (a test of
	// the registry checks it): a new address kind is a driver declaring it.
	Address bool
	// Fenced marks drivers whose resource answers on the network by
	// itself, with addresses no resource of the node holds (a VM, its
	// address set inside the guest): the fence stops it with the
	// addresses, at the node's level only and at once (WithFencing: a VM
	// is destroyed). Its Stop must honour Fencing.
	Fenced bool
	// NodeNetwork, when set, says whether the resource runs in the node's
	// network namespace (a container with netns = "host"): the addresses
	// its level inside plumbed then live on the node, which drops them
	// itself when the container no longer runs. Nil: never.
	NodeNetwork func(r *Resource) bool
	New         func(r *Resource) (Driver, error)
}

// Key is the registry key of a spec: "kind.type".
func (s *Spec) Key() string { return s.Kind + "." + s.Type }

// Common holds the attributes every resource accepts.
type Common struct {
	Disable      bool
	Optional     bool
	Monitor      bool
	Standby      bool
	Encap        bool
	Provision    bool // false: never provision nor unprovision this resource
	Restart      int  // restarts tried by the monitor before monitor_action
	RestartDelay time.Duration
	Tags         []string
	DependsOn    []string // rids
}

// Resource is one evaluated resource block, as a driver receives it.
//
// During planning Attrs may hold unknown values (a value another resource
// exposes only once up). Status, Exposed, Describe and Operations must cope
// with them; Start, Stop, Provision and Unprovision are only ever called with
// wholly known attributes.
type Resource struct {
	Service string
	Node    string
	Kind    string
	Type    string
	Name    string // the block label: "app" in fs "app" {}
	Attrs   map[string]cty.Value
	Common  Common
	// StateDir is a directory private to this resource on this node, for
	// driver bookkeeping (pid files). The engine creates it before Start.
	StateDir string
}

// EncapNode is the encap node a container resource would be (seed 002):
// its host name, else its name; "" for other kinds, or when neither is set
// and known.
func (r *Resource) EncapNode() string {
	if r.Kind != "container" {
		return ""
	}
	for _, a := range []string{"hostname", "name"} {
		if v := r.Str(a); v != "" && v != Unknown {
			return v
		}
	}
	return ""
}

// RID is the resource id used in logs, status and --rid: "fs#app".
func (r *Resource) RID() string { return r.Kind + "#" + r.Name }

// State is a resource or service availability status.
type State string

const (
	Up      State = "up"
	Down    State = "down"
	Warn    State = "warn"
	NA      State = "n/a"
	Undef   State = "undef"
	StdbyUp State = "stdby up"
)

// Status is what a driver reports about its resource on this node.
type Status struct {
	State State
	// Messages are shown under the resource line: "warn: no carrier on br-prd".
	Messages []string
}

// Action is an operation the engine asks a driver for.
type Action string

const (
	ActStart       Action = "start"
	ActStop        Action = "stop"
	ActProvision   Action = "provision"
	ActUnprovision Action = "unprovision"
)

// Driver manages one resource on this node. Every method is idempotent:
// Start on an up resource does nothing and logs that it is already up.
type Driver interface {
	Status(ctx context.Context) Status
	Start(ctx context.Context, log *Log) error
	Stop(ctx context.Context, log *Log) error
	Provision(ctx context.Context, log *Log) error
	Unprovision(ctx context.Context, log *Log) error
	// Exposed returns the Spec.Exposed attributes as the live system shows
	// them now, unknown where they cannot be known before Start.
	Exposed(ctx context.Context) map[string]cty.Value
	// Describe is the one-line description in status: "ext4 /dev/vg/app@/svc1/app".
	Describe() string
	// Operations lists, in order, the exact operations the action runs when
	// the resource is not already in the target state, for plans. It must be
	// a pure function of the attributes, never query the system: a plan made
	// from a status snapshot on a CI runner must match the node's own plan.
	// Unknown values print as "(known after apply)".
	Operations(ctx context.Context, a Action) []string
}

// StartChecker is implemented by drivers that must veto a start before any
// resource of the service starts (the ip address conflict probe). The engine
// calls CheckStart on every resource about to start, before starting any.
type StartChecker interface {
	CheckStart(ctx context.Context, log *Log) error
}

// ErrConflict marks a start aborted because what the resource would claim is
// already in use elsewhere (an ip address answering on the network).
var ErrConflict = errors.New("conflict")

// ChangedKeys lists, sorted, the keys whose value differs between a
// resource's recorded fingerprint and the one its configuration makes
// now, those set in only one of them too: what a DriftChecker names.
func ChangedKeys(recorded, want map[string]string) []string {
	var out []string
	for k, v := range want {
		if recorded[k] != v {
			out = append(out, k)
		}
	}
	for k := range recorded {
		if _, ok := want[k]; !ok {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

// DriftChecker is implemented by drivers whose running resource can differ
// from its configuration without the engine's record knowing (a container
// created from another image). Plans call Drift on up resources and replace
// those it names attributes for; Start then recreates what drifted.
type DriftChecker interface {
	// Drift lists the attributes whose live value differs from the
	// configuration, sorted; nil when none do or when it cannot tell.
	Drift(ctx context.Context) []string
}
