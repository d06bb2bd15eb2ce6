package plan

import (
	"fmt"
	"slices"

	"github.com/hashicorp/hcl/v2"
	"github.com/omhcl/omhcl/lang"
	"github.com/omhcl/omhcl/providers"
)

// EncapInput is the level inside one container: the service evaluated for
// the container's encap node, with the agent's last status as its live
// state, planned as a snapshot would be.
type EncapInput struct {
	Host EncapHost
	Input
	// Known says the agent reported the level; otherwise it is planned as
	// all down and its changes are known only after apply.
	Known bool
	// Fresh is the level as a container that starts anew brings it: all
	// down.
	Fresh Input
	// Orchestrated: the agent reported a daemon inside the container,
	// which places the level (see leftToDaemons).
	Orchestrated bool
	// Excluded: the action's levels do not name this one (--master); it
	// is only stopped first when its container stops.
	Excluded bool
	// Unreported says why the agent of a running container gave no
	// status; Newer notes a configuration edited inside, newer than the
	// node's, which the level was planned with.
	Unreported, Newer string
	// Leftovers are addresses a dead container sharing the node's network
	// namespace left on the node; NodeNet says it shares it.
	Leftovers []string
	NodeNet   bool
}

// encapInputs are the levels inside in's containers that lv selects. The
// level's target follows the service's, and is down where the container
// itself is not wanted up.
func encapInputs(svc *lang.Service, in Input, lv Levels) ([]EncapInput, hcl.Diagnostics) {
	var out []EncapInput
	var diags hcl.Diagnostics
	for _, h := range EncapHosts(in.Instance) {
		var snap *LiveInstance
		var inside *EncapStatus
		var leftovers []string
		if lr := in.Live.Resource(h.Container); lr != nil && lr.Inside != nil && lr.Status == providers.Up {
			inside = lr.Inside
			snap = inside.Instance
		} else if lr != nil && lr.Inside != nil {
			leftovers = lr.Inside.Leftovers
		}
		runs, newer := insideConfig(svc, inside)
		inst, live, d := snapshotInstance(snap, runs, h.Node)
		diags = append(diags, d...)
		if d.HasErrors() {
			continue
		}
		t := innerTarget(in, h, inst)
		e := EncapInput{Host: h, Input: Input{Instance: inst, Live: live, Target: t}, Known: snap != nil, Fresh: Input{Instance: inst, Live: live, Target: t}, Excluded: !lv.Slave(h.Node), Newer: newer,
			Leftovers: leftovers, NodeNet: providers.SharesNodeNetwork(in.Instance.Resource(h.Container))}
		if inside != nil {
			e.Orchestrated, e.Unreported = inside.Orchestrated, inside.Error
		}
		if e.Known {
			e.Fresh.Instance, e.Fresh.Live, _ = snapshotInstance(nil, svc, h.Node)
		}
		out = append(out, e)
	}
	return out, diags
}

// innerTarget is what the level inside h should be: down where the
// container is not wanted up, else the service's target, where up is the
// inner level's own default: a failover service inside containers farmed
// on several nodes runs in its first encap node, standby in the others.
func innerTarget(in Input, h EncapHost, inner *lang.Instance) Target {
	t := in.Target
	switch {
	case t == TargetUnprovision:
		return t
	case !wantUp(t, in.Instance.Resource(h.Container)):
		return TargetDown
	case t == TargetUp:
		return DefaultTarget(inner.Settings, h.Node)
	}
	return t
}

// encapPlan is what the plan does inside one container: the changes, and
// the agent calls around the node's own steps.
type encapPlan struct {
	changes       []*Change
	before, after []Step // before the node's stops, after its starts
	note          string // why nothing is planned there, "" when it is
}

// planEncap plans the level inside e's container, given the node level's
// plan sp. A container that (re)starts brings a fresh level: planned as
// all down, known after apply. A container that stops has its level
// stopped by the agent first. Both hold for a subset action that names
// the container alone (the daemon's monitor restarting it): the level
// inside comes and goes with its container, whole.
func (sp *servicePlan) planEncap(e EncapInput, opts Options, nodes []string) (*encapPlan, error) {
	if err := levelNamed(e, opts, nodes); err != nil {
		return nil, err
	}
	cc := sp.byRID[e.Host.Container]
	stops := cc != nil && cc.Has(providers.ActStop)
	starts := cc != nil && cc.Has(providers.ActStart)
	if len(e.Leftovers) > 0 && !starts {
		return sp.dropLeftovers(e), nil
	}
	if e.Excluded {
		return sp.stopFirst(e, stops), nil
	}
	if leftToDaemons(e, stops || starts) {
		return &encapPlan{note: daemonsPlaceNote(e)}, nil
	}
	if s := selectedRIDs(e.Instance, opts); (starts || stops) && s != nil && len(s) == 0 {
		opts.RIDs, opts.Tags = nil, nil
	}
	in, known := e.Input, e.Known
	if starts {
		in, known = e.Fresh, false
	}
	inner, err := buildService(in, opts)
	if err != nil {
		return nil, err
	}
	ep := &encapPlan{changes: inner.changes, note: levelNote(e, starts)}
	for _, c := range ep.changes {
		c.Level, c.EncapNode, c.Container = LevelEncap, e.Host.Node, e.Host.Container
		c.Address = EncapAddress(c.Service, e.Host.Node, c.RID)
		c.Deferred = !known
	}
	running := sp.containerUp(e.Host.Container)
	subset := selectedRIDs(e.Instance, opts)
	if subset != nil && len(subset) == 0 {
		return ep, nil // a subset action on none of this level's resources
	}
	// The daemons inside act on their own: the level's last status may be
	// old news, and a container going away has its agent stop the level
	// whatever it said.
	stale := !e.Known || e.Orchestrated
	switch e.Target {
	case TargetDown, TargetUnprovision:
		if running && (stale || len(ep.changes) > 0) {
			st := encapStep(e, e.Target, providers.ActStop, subset)
			st.Optional = stops // as above
			ep.before = append(ep.before, st)
		}
	default:
		if stops && running && (stale || anyActive(e.Live)) {
			// the container stops next, and what runs in it with it: an
			// agent that cannot stop its level first must not keep it up
			st := encapStep(e, TargetDown, providers.ActStop, subset)
			st.Optional = true
			ep.before = append(ep.before, st)
		}
		if starts || len(ep.changes) > 0 || (running && !e.Known) {
			ep.after = append(ep.after, encapStep(e, e.Target, providers.ActStart, subset))
		}
	}
	return ep, nil
}

// levelNote says when the level was planned from less than the agent's
// report of it, or with another configuration than the node's.
func levelNote(e EncapInput, starts bool) string {
	where := fmt.Sprintf("%s[%s] (%s)", e.Host.Service, e.Host.Node, e.Host.Container)
	switch {
	case e.Unreported != "" && !starts:
		return fmt.Sprintf("%s: its agent did not report (%s): the level is planned as if all down; the apply asks the agent to converge it", where, e.Unreported)
	case e.Newer != "":
		return fmt.Sprintf("%s: planned with %s", where, e.Newer)
	}
	return ""
}

// stopFirst is the plan of a level the action does not name (--master):
// when its container stops, its agent stops it first, as a whole stop
// would, rather than its processes being killed with the container.
func (sp *servicePlan) stopFirst(e EncapInput, stops bool) *encapPlan {
	ep := &encapPlan{}
	if stops && sp.containerUp(e.Host.Container) {
		st := encapStep(e, TargetDown, providers.ActStop, nil)
		st.Optional = true
		ep.before = append(ep.before, st)
	}
	return ep
}

// levelNamed refuses a subset action (--rid, --tag) that selects encap
// resources without saying at which level it acts.
func levelNamed(e EncapInput, opts Options, nodes []string) error {
	if !opts.Levels.All() || (len(opts.RIDs) == 0 && len(opts.Tags) == 0) {
		return nil
	}
	rids := selectedRIDs(e.Instance, opts)
	if len(rids) == 0 {
		return nil
	}
	return encapLevelNeeded(e.Host.Service, rids, nodes)
}

func (sp *servicePlan) containerUp(rid string) bool {
	return sp.live != nil && sp.live.Resource(rid) != nil && sp.live.Resource(rid).Status == providers.Up
}

func anyActive(li *LiveInstance) bool {
	return slices.ContainsFunc(li.Resources, func(r *LiveResource) bool { return r.Skipped == "" && isActive(r) })
}

func encapStep(e EncapInput, t Target, a providers.Action, rids []string) Step {
	st := Step{
		Address: e.Host.Service + "[" + e.Host.Node + "]", Service: e.Host.Service, RID: e.Host.Container,
		Action: a, EncapNode: e.Host.Node, Target: t, RIDs: rids,
	}
	if a == providers.ActStop && e.NodeNet {
		st.NodeDrops = addressesOf(e.Instance, rids)
	}
	return st
}

// addressesOf are the address resources of the level inside (of rids,
// when set), those whose driver declares Spec.Address: the node drops
// those itself when its agent cannot.
func addressesOf(inst *lang.Instance, rids []string) []string {
	var out []string
	for _, r := range inst.Resources {
		if r.Common.Encap && providers.HoldsAddress(r) && (rids == nil || slices.Contains(rids, r.RID())) {
			out = append(out, r.RID())
		}
	}
	return out
}

// dropLeftovers plans the node's drop of the addresses a dead container
// sharing its network namespace left on it: before any start elsewhere
// can use them, whatever the target (a start of the container plumbs
// them again through its agent).
func (sp *servicePlan) dropLeftovers(e EncapInput) *encapPlan {
	st := encapStep(e, TargetDown, providers.ActStop, nil)
	st.NodeDrops = e.Leftovers
	return &encapPlan{before: []Step{st}, note: fmt.Sprintf("%s[%s] (%s): the container does not run; the node drops the addresses its level left: %s",
		e.Host.Service, e.Host.Node, e.Host.Container, joinWords(e.Leftovers))}
}

// selectedRIDs are the encap resources a subset action selects (maybe
// none), nil when the action is on every resource.
func selectedRIDs(inst *lang.Instance, opts Options) []string {
	if len(opts.RIDs) == 0 && len(opts.Tags) == 0 {
		return nil
	}
	out := []string{}
	for _, r := range inst.Resources {
		if r.Common.Encap && selected(r.RID(), r.Common.Tags, opts) {
			out = append(out, r.RID())
		}
	}
	return out
}

// insideConfig is the configuration the level inside runs: a newer one
// edited inside (newest wins) when its agent reported it, else svc. The
// note says which, "" for svc.
func insideConfig(svc *lang.Service, inside *EncapStatus) (*lang.Service, string) {
	if inside == nil || inside.NewerConfig == nil {
		return svc, ""
	}
	e := inside.NewerConfig
	cfg, diags := lang.LoadFiles(map[string][]byte{svc.Name + ".hcl": []byte(e.Source)})
	if diags.HasErrors() || cfg.Service(svc.Name) == nil {
		return svc, ""
	}
	return cfg.Service(svc.Name), fmt.Sprintf("the configuration edited in %s (generation %d), newer than the node's", e.Origin, e.Gen)
}
