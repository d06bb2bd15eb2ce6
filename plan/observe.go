package plan

import (
	"context"
	"fmt"
	"slices"

	"github.com/hashicorp/hcl/v2"
	"github.com/omhcl/omhcl/lang"
	"github.com/omhcl/omhcl/providers"
	"github.com/omhcl/omhcl/state"
	"github.com/zclconf/go-cty/cty"
)

// Source is where the live state comes from: the node's drivers and
// records, or a snapshot another node produced (om status --json).
type Source interface {
	// Instance evaluates svc for node and returns it with its live state.
	Instance(ctx context.Context, svc *lang.Service, node string) (*lang.Instance, *LiveInstance, hcl.Diagnostics)
}

// Drivers reads live state from this node's drivers and state store, and
// the level inside containers of encapsulated services from their agents
// (none without Agents).
type Drivers struct {
	Store  *state.Store
	Agents EncapAgents
	// Refresh asks the agents now rather than reusing a recent status.
	Refresh bool
}

// Instance evaluates svc, feeding each resource's exposed values from its
// driver, then asks every driver for its status.
func (d Drivers) Instance(ctx context.Context, svc *lang.Service, node string) (*lang.Instance, *LiveInstance, hcl.Diagnostics) {
	drivers := map[string]providers.Driver{}
	exposer := func(r *providers.Resource) map[string]cty.Value {
		r.StateDir = d.Store.ResourceDir(svc.Name, r.RID())
		drv, err := NewDriver(r)
		if err != nil {
			return nil
		}
		drivers[r.RID()] = drv
		return drv.Exposed(ctx)
	}
	inst, diags := svc.Evaluate(node, exposer)
	if diags.HasErrors() {
		return nil, nil, diags
	}
	rec, err := d.Store.Load(svc.Name)
	if err != nil {
		return nil, nil, append(diags, errorDiag("Cannot read node state", err.Error()))
	}
	li := newLiveInstance(inst, rec)
	for _, r := range inst.Resources {
		lr := newLiveResource(inst, r, rec)
		drv := drivers[r.RID()]
		if drv == nil && specOf(r) != nil {
			// lang asks only for resources with exposed attributes
			r.StateDir = d.Store.ResourceDir(svc.Name, r.RID())
			if drv, _ = NewDriver(r); drv != nil {
				drivers[r.RID()] = drv
			}
		}
		if drv != nil && lr.Skipped == "" {
			st := drv.Status(ctx)
			lr.Status, lr.Messages = st.State, st.Messages
			lr.Description = drv.Describe()
			lr.Exposed = drv.Exposed(ctx)
			if ec, ok := drv.(providers.ExistChecker); ok {
				lr.Exists = ec.Exists(ctx)
			}
			if dc, ok := drv.(providers.DriftChecker); ok && isActive(lr) {
				lr.Drift = dc.Drift(ctx)
			}
			if rc, ok := drv.(providers.RemnantChecker); ok && lr.Status == providers.Down {
				lr.Remnant = rc.Remnant(ctx)
			}
		} else if drv != nil {
			lr.Description = drv.Describe()
		}
		li.Resources = append(li.Resources, lr)
	}
	li.Resources = append(li.Resources, d.orphans(ctx, inst, rec)...)
	li.Strays = strays(ctx, drivers, li)
	d.inside(ctx, inst, li, drivers)
	d.leftovers(ctx, svc, inst, li)
	li.finish()
	return inst, li, diags
}

// inside asks the agent in every running container hosting an encap node
// for the level there.
func (d Drivers) inside(ctx context.Context, inst *lang.Instance, li *LiveInstance, drivers map[string]providers.Driver) {
	for _, h := range EncapHosts(inst) {
		lr := li.Resource(h.Container)
		if lr == nil || lr.Status != providers.Up {
			continue
		}
		x, ok := drivers[h.Container].(providers.Executor)
		switch {
		case !ok:
			lr.Inside = &EncapStatus{Node: h.Node, Error: fmt.Sprintf("container.%s cannot run a command inside its container: no agent can drive the encap resources", lr.Type)}
		case d.Agents == nil:
			lr.Inside = &EncapStatus{Node: h.Node, Error: "not asked: this command does not reach agents inside containers"}
		default:
			lr.Inside = d.Agents.Status(ctx, h, x, d.Refresh)
		}
	}
}

// strays asks the drivers that can tell for what their backends hold with
// the service's label but no resource of it, once per backend: the status
// round runs it for every service.
func strays(ctx context.Context, drivers map[string]providers.Driver, li *LiveInstance) []string {
	var known []string
	for _, lr := range li.Resources {
		known = append(known, lr.RID)
	}
	var out []string
	asked := map[string]bool{}
	for _, rid := range sortedKeys(drivers) {
		sf, ok := drivers[rid].(providers.StrayFinder)
		if !ok || asked[sf.StrayScope()] {
			continue
		}
		asked[sf.StrayScope()] = true
		out = append(out, sf.Strays(ctx, known)...)
	}
	return out
}

// orphans are resources the node's record says were started but the
// configuration no longer has: the plan stops them with their old settings.
func (d Drivers) orphans(ctx context.Context, inst *lang.Instance, rec *state.Record) []*LiveResource {
	var out []*LiveResource
	for _, rid := range sortedKeys(rec.Resources) {
		rr := rec.Resources[rid]
		if inst.Resource(rid) != nil || rr.Applied == nil {
			continue
		}
		lr := &LiveResource{RID: rid, Kind: rr.Kind, Type: rr.Type, Orphan: true, Provisioned: rr.Provisioned, Status: providers.Undef}
		lr.Applied = decodeApplied(rr.Applied)
		if r := AppliedResource(inst.Service, inst.Node, rid, rr, d.Store); r != nil {
			if drv, err := NewDriver(r); err == nil {
				st := drv.Status(ctx)
				lr.Status, lr.Messages, lr.Description = st.State, st.Messages, drv.Describe()
				lr.Provisionable = specOf(r).Provisionable
			}
		}
		lr.Flags = lr.flags()
		out = append(out, lr)
	}
	return out
}

// Snapshot plans from a saved live state instead of the drivers, so a CI
// runner without root produces the plan the node would.
type Snapshot struct{ Live *Live }

// Instance evaluates svc with the snapshot's exposed values and returns
// the snapshot's state of it.
func (s Snapshot) Instance(_ context.Context, svc *lang.Service, node string) (*lang.Instance, *LiveInstance, hcl.Diagnostics) {
	return snapshotInstance(s.Live.Service(svc.Name), svc, node)
}

// indexedSnapshot finds services by name in a map: Observe looks up every
// service of the configuration. Its Instance is safe for concurrent use.
type indexedSnapshot struct {
	byName map[string]*LiveInstance
}

func (s Snapshot) indexed() indexedSnapshot {
	ix := indexedSnapshot{byName: map[string]*LiveInstance{}}
	if s.Live == nil {
		return ix
	}
	for _, li := range s.Live.Services {
		if li == nil {
			continue
		}
		if _, dup := ix.byName[li.Service]; !dup { // Live.Service finds the first
			ix.byName[li.Service] = li
		}
	}
	return ix
}

func (s indexedSnapshot) Instance(_ context.Context, svc *lang.Service, node string) (*lang.Instance, *LiveInstance, hcl.Diagnostics) {
	return snapshotInstance(s.byName[svc.Name], svc, node)
}

// snapshotInstance evaluates svc with the exposed values of snap, its
// state in a snapshot (nil when the snapshot does not have it).
func snapshotInstance(snap *LiveInstance, svc *lang.Service, node string) (*lang.Instance, *LiveInstance, hcl.Diagnostics) {
	snap = withoutNullResources(snap)
	exposer := func(r *providers.Resource) map[string]cty.Value {
		if lr := snap.Resource(r.RID()); lr != nil {
			return lr.Exposed
		}
		return nil
	}
	inst, diags := svc.Evaluate(node, exposer)
	if diags.HasErrors() {
		return nil, nil, diags
	}
	if snap == nil {
		// The node has never seen this service: everything is down.
		snap = newLiveInstance(inst, &state.Record{Service: svc.Name})
		for _, r := range inst.Resources {
			snap.Resources = append(snap.Resources, newLiveResource(inst, r, &state.Record{}))
		}
		snap.finish()
	}
	return inst, snap, diags
}

// withoutNullResources drops the null entries a hand-written snapshot may
// hold ("resources": [null]), copying the instance only then.
func withoutNullResources(li *LiveInstance) *LiveInstance {
	if li == nil || !slices.Contains(li.Resources, nil) {
		return li
	}
	clean := *li
	clean.Resources = slices.DeleteFunc(slices.Clone(li.Resources), func(r *LiveResource) bool { return r == nil })
	return &clean
}

func newLiveInstance(inst *lang.Instance, rec *state.Record) *LiveInstance {
	return &LiveInstance{
		Service:    inst.Service,
		Node:       inst.Node,
		Role:       Role(inst.Settings, inst.Node),
		Frozen:     rec.Frozen,
		Generation: rec.Generation,
	}
}

func newLiveResource(inst *lang.Instance, r *providers.Resource, rec *state.Record) *LiveResource {
	rid := r.RID()
	spec := specOf(r)
	lr := &LiveResource{
		RID: rid, Kind: r.Kind, Type: r.Type,
		Status:   providers.Down,
		Disable:  r.Common.Disable,
		Optional: r.Common.Optional,
		Monitor:  r.Common.Monitor,
		// inside the container it is an ordinary resource (seed 002's
		// second tree shows no E)
		Encap:   r.Common.Encap && !isEncapNode(inst),
		Standby: r.Common.Standby,
		Restart: r.Common.Restart,
		Skipped: skipReason(inst, r),
	}
	if spec != nil {
		lr.Provisionable, lr.Arms = spec.Provisionable, spec.Arms
	}
	if rr, ok := rec.Resources[rid]; ok {
		lr.Provisioned = rr.Provisioned
		lr.Applied = decodeApplied(rr.Applied)
	}
	if lr.Skipped != "" {
		lr.Status = providers.NA
	}
	return lr
}

// finish derives the instance's aggregate status and flags. A resource
// its start only arms (a sync) is n/a where it is not armed, as the
// seeds show it: "paused, service not up".
func (li *LiveInstance) finish() {
	for _, r := range li.Resources {
		if r.Arms && r.Skipped == "" && !r.Orphan && !li.Armed(r) {
			r.Status, r.Messages = providers.NA, append([]string{"paused, service not up"}, r.Messages...)
		}
	}
	li.Provisioned = true
	var states []providers.State
	for _, r := range li.Resources {
		r.Flags = r.flags()
		if r.Skipped != "" || r.Orphan {
			continue
		}
		if r.Provisionable && !r.Provisioned {
			li.Provisioned = false
		}
		if r.Optional || r.Status == providers.NA {
			continue
		}
		states = append(states, r.Status)
		if st, ok := r.Inside.State(); ok {
			states = append(states, st)
		}
	}
	li.Status = Aggregate(states)
}

// Aggregate is the status of a set of resources: up when all are up, down
// when all are down, n/a when there are none, warn otherwise.
func Aggregate(states []providers.State) providers.State {
	if len(states) == 0 {
		return providers.NA
	}
	all := func(s providers.State) bool {
		return !slices.ContainsFunc(states, func(x providers.State) bool { return x != s })
	}
	switch {
	case all(providers.Up):
		return providers.Up
	case all(providers.Down):
		return providers.Down
	}
	return providers.Warn
}

// skipReason says why the engine leaves r alone on this node.
func skipReason(inst *lang.Instance, r *providers.Resource) string {
	switch {
	case r.Common.Disable:
		return "disabled"
	case specOf(r) == nil:
		return fmt.Sprintf("no driver for %s.%s yet", r.Kind, r.Type)
	case r.Common.Encap && !slices.Contains(inst.Settings.EncapNodes, inst.Node):
		return "encap resource: driven inside the container"
	case !r.Common.Encap && isEncapNode(inst):
		// inside, nodes@encapnodes makes the container a node too
		return SkipNodeLevel
	}
	return ""
}

// SkipNodeLevel is why the agent inside a container leaves a resource
// alone: the node's own level drives it.
const SkipNodeLevel = "not an encap resource: driven by the node running the container"

// Role is how node takes part in a service with these settings.
func Role(s lang.Settings, node string) string {
	switch {
	case len(s.Nodes) > 0 && s.Nodes[0] == node:
		return "primary"
	case slices.Contains(s.Nodes, node):
		return "secondary"
	case slices.Contains(s.DrpNodes, node):
		return "drp"
	case slices.Contains(s.EncapNodes, node):
		return "encap"
	}
	return ""
}

func errorDiag(summary, detail string) *hcl.Diagnostic {
	return &hcl.Diagnostic{Severity: hcl.DiagError, Summary: summary, Detail: detail}
}
