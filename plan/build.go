package plan

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"github.com/omhcl/omhcl/internal/parallel"
	"slices"
	"strings"
	"time"

	"github.com/omhcl/omhcl/lang"
	"github.com/omhcl/omhcl/providers"
	"github.com/zclconf/go-cty/cty"
)

// Input is one service to plan: its evaluated configuration for the node,
// its live state and what it should be.
type Input struct {
	Instance *lang.Instance
	Live     *LiveInstance
	Target   Target
	// Encaps are the levels inside the service's containers, when the
	// service is encapsulated.
	Encaps []EncapInput
}

// Build computes the plan for node. It reads nothing but its arguments.
// Services are planned in parallel and their changes and steps listed in
// the order of inputs.
func Build(node string, inputs []Input, opts Options) (*Plan, error) {
	p := &Plan{FormatVersion: FormatVersion, ID: newID(), Node: node, CreatedAt: time.Now().UTC()}
	plans := make([]*servicePlan, len(inputs))
	errs := make([]error, len(inputs))
	parallel.For(len(inputs), func(i int) {
		plans[i], errs[i] = buildLevels(inputs[i], opts)
	})
	lives := make([]*LiveInstance, len(inputs))
	for i, sp := range plans {
		if errs[i] != nil {
			return nil, errs[i]
		}
		p.Changes = append(p.Changes, sp.changes...)
		p.Steps = append(p.Steps, sp.stepList...)
		p.Notes = append(p.Notes, sp.notes...)
		lives[i] = inputs[i].Live
	}
	p.Fingerprint = Fingerprint(lives)
	return p, nil
}

// servicePlan collects one service's changes before they are flattened
// into steps.
type servicePlan struct {
	svc     string
	inst    *lang.Instance
	live    *LiveInstance
	changes []*Change
	byRID   map[string]*Change
	// stepList is steps(), once the changes are final
	stepList []Step
	notes    []string
}

// buildLevels plans a service: the node's own resources, then the levels
// inside its containers, whose agent calls come before the node's stops
// and after its starts (seed 002: start chains node then encap level).
func buildLevels(in Input, opts Options) (*servicePlan, error) {
	opts = opts.forInput(in)
	sp, err := buildService(in, opts)
	if err != nil {
		return nil, err
	}
	if !opts.Levels.Node() {
		sp.changes, sp.byRID = nil, map[string]*Change{}
	}
	var nodes []string
	for _, e := range in.Encaps {
		nodes = append(nodes, e.Host.Node)
	}
	var before, inner, after []Step
	var encapChanges []*Change
	for _, e := range in.Encaps {
		ep, err := sp.planEncap(e, opts, nodes)
		if err != nil {
			return nil, err
		}
		encapChanges = append(encapChanges, ep.changes...)
		before, after = append(before, ep.before...), append(after, ep.after...)
		if ep.note != "" {
			sp.notes = append(sp.notes, ep.note)
		}
	}
	inner = sp.steps()
	sp.changes = append(sp.changes, encapChanges...)
	sp.stepList = slices.Concat(before, inner, after)
	return sp, nil
}

func buildService(in Input, opts Options) (*servicePlan, error) {
	sp := &servicePlan{svc: in.Instance.Service, inst: in.Instance, live: in.Live, byRID: map[string]*Change{}}
	for _, r := range in.Instance.Resources {
		lr := in.Live.Resource(r.RID())
		if lr == nil || lr.Skipped != "" || !selected(r.RID(), r.Common.Tags, opts) {
			continue
		}
		c, err := resourceChange(in, r, lr)
		if err != nil {
			return nil, err
		}
		if c != nil {
			sp.add(c)
		}
	}
	if err := sp.cascadeRestarts(in); err != nil {
		return nil, err
	}
	for _, lr := range in.Live.Resources {
		if lr.Orphan && selected(lr.RID, nil, opts) && isActive(lr) {
			sp.add(orphanChange(in, lr))
		}
	}
	return sp, nil
}

func (sp *servicePlan) add(c *Change) {
	sp.changes = append(sp.changes, c)
	sp.byRID[c.RID] = c
}

// wantUp says whether r should be up under target t.
func wantUp(t Target, r *providers.Resource) bool {
	switch t {
	case TargetUp, TargetProvision:
		return true
	case TargetStandby:
		return r.Common.Standby
	}
	return false
}

// isActive reports whether a live resource counts as running. A resource
// whose driver cannot tell (n/a) counts as running when the engine started
// it last.
func isActive(lr *LiveResource) bool {
	switch lr.Status {
	case providers.Up, providers.Warn, providers.StdbyUp:
		return true
	case providers.NA, providers.Undef:
		return lr.Applied != nil
	}
	return false
}

func resourceChange(in Input, r *providers.Resource, lr *LiveResource) (*Change, error) {
	spec := specOf(r)
	c := newChange(in.Instance, r, lr)
	withConfig := false // the settings the resource gets, shown when it ends up
	up := isActive(lr)
	canProvision := spec.Provisionable && r.Common.Provision
	switch {
	case in.Target == TargetUnprovision:
		if up || lr.Remnant != "" {
			c.Actions = append(c.Actions, providers.ActStop)
		}
		if canProvision && (lr.Provisioned || in.Target == TargetUnprovision) {
			c.Actions = append(c.Actions, providers.ActUnprovision)
			c.DestroysData = !spec.NoData
		}
		c.After = &ResourceValues{Status: providers.Down}
	case wantUp(in.Target, r):
		withConfig = true
		// A resource holding no data has nothing to provision: starting
		// it records it provisioned.
		if canProvision && !spec.NoData && !up && (!lr.Provisioned || in.Target == TargetProvision) {
			c.Actions = append(c.Actions, providers.ActProvision)
		}
		if !up {
			c.Actions = append(c.Actions, providers.ActStart)
			c.Reason = "down, wanted up"
		} else if len(lr.Drift) > 0 {
			// the driver's Start recreates what drifted
			c.Actions = append(c.Actions, providers.ActStop, providers.ActStart)
			c.Reason = fmt.Sprintf("drifted from the configuration on the node: %s", joinWords(lr.Drift))
		} else if changed := changedAttrs(lr.Applied, r.Attrs); len(changed) > 0 {
			if allInPlace(spec, changed) {
				c.Actions = append(c.Actions, ActUpdate)
			} else {
				c.Actions = append(c.Actions, providers.ActStop, providers.ActStart)
			}
			c.Reason = fmt.Sprintf("%s changed", joinWords(changed))
		}
		c.After.Provisioned = c.After.Provisioned || c.Has(providers.ActProvision) || c.Has(providers.ActStart)
	default:
		if up {
			c.Actions = append(c.Actions, providers.ActStop)
			c.Reason = fmt.Sprintf("up, wanted down (service target %s)", in.Target)
		} else if lr.Remnant != "" {
			c.Actions = append(c.Actions, providers.ActStop)
			c.Reason = fmt.Sprintf("down, but %s: its stop removes it", lr.Remnant)
		}
		c.After = &ResourceValues{Status: providers.Down, Provisioned: lr.Provisioned}
	}
	if len(c.Actions) == 0 {
		return nil, nil
	}
	if in.Target == TargetUnprovision {
		c.Reason = "unprovision requested: the resource's data is destroyed"
	}
	c.describe(r, withConfig)
	return c, c.fillOperations(r, lr)
}

// newChange starts the change of r: what it is and was. describe adds
// what it becomes, once the change is known to be needed.
func newChange(inst *lang.Instance, r *providers.Resource, lr *LiveResource) *Change {
	c := &Change{
		Address: Address(inst.Service, r.RID()), Service: inst.Service, RID: r.RID(),
		Kind: r.Kind, Type: r.Type, Node: inst.Node, Optional: r.Common.Optional, Level: LevelNode,
		Before: &ResourceValues{Status: lr.Status, Provisioned: lr.Provisioned},
		After:  &ResourceValues{Status: providers.Up, Provisioned: lr.Provisioned},
	}
	if lr.Applied != nil {
		c.Before.Config = *lr.Applied
	}
	return c
}

// describe records the attributes of r in spec order, those left at their
// default and, withConfig, their values after the change.
func (c *Change) describe(r *providers.Resource, withConfig bool) {
	if withConfig {
		c.After.Config = Values{}
	}
	for _, a := range specOf(r).Attrs {
		c.attrOrder = append(c.attrOrder, a.Name)
		v := r.Attrs[a.Name]
		if v == cty.NilVal {
			continue
		}
		if a.Default != cty.NilVal && v.IsWhollyKnown() && equalValues(v, a.Default) {
			c.defaults = append(c.defaults, a.Name)
		}
		if !withConfig {
			continue
		}
		if !v.IsWhollyKnown() {
			c.After.Unknown = append(c.After.Unknown, a.Name)
		}
		c.After.Config[a.Name] = v
	}
}

// fillOperations asks the driver for the exact operations of each action;
// a stop of a changed resource runs on its old settings.
func (c *Change) fillOperations(r *providers.Resource, lr *LiveResource) error {
	replace := c.Has(providers.ActStop) && c.Has(providers.ActStart)
	var current providers.Driver // r's, built once for its actions
	for _, a := range c.Actions {
		if a == ActUpdate {
			c.Operations = append(c.Operations, "record the new settings (no restart needed)")
			continue
		}
		var drv providers.Driver
		var err error
		switch {
		case a == providers.ActStop && replace && lr.Applied != nil:
			old := *r
			old.Attrs = *lr.Applied
			drv, err = NewDriver(&old)
		case current != nil:
			drv = current
		default:
			drv, err = NewDriver(r)
			current = drv
		}
		if err != nil {
			return fmt.Errorf("%s: %w", c.Address, err)
		}
		if a == providers.ActProvision && lr.Exists {
			// what the driver's Provision does then, and logs
			c.Operations = append(c.Operations, drv.Describe()+" already exists, skip create")
			continue
		}
		c.Operations = append(c.Operations, drv.Operations(context.Background(), a)...)
	}
	return nil
}

// cascadeRestarts restarts the running resources that refer to a replaced
// one: an app bound to a service address that changes must stop first.
// Only explicit references count; the default kind order would restart
// every disk and filesystem for a new address.
func (sp *servicePlan) cascadeRestarts(in Input) error {
	// in start order, so every run lists the restarts alike
	dependents := map[string][]string{}
	for _, r := range sp.inst.Resources {
		for _, d := range sp.inst.References[r.RID()] {
			dependents[d] = append(dependents[d], r.RID())
		}
	}
	var visit func(rid, cause string) error
	visit = func(rid, cause string) error {
		for _, dep := range dependents[rid] {
			lr := in.Live.Resource(dep)
			r := sp.inst.Resource(dep)
			if r == nil || lr == nil || lr.Skipped != "" || !isActive(lr) {
				continue
			}
			if c := sp.byRID[dep]; c != nil && c.Has(providers.ActStop) {
				continue
			}
			c := newChange(sp.inst, r, lr)
			c.describe(r, true)
			c.Actions = []providers.Action{providers.ActStop, providers.ActStart}
			c.Reason = fmt.Sprintf("restart: depends on %s, which is replaced", cause)
			if cc := sp.byRID[cause]; cc != nil && !cc.Has(providers.ActStop) {
				c.Reason = fmt.Sprintf("restart: depends on %s, which starts anew", cause)
			}
			if err := c.fillOperations(r, lr); err != nil {
				return err
			}
			if old := sp.byRID[dep]; old != nil {
				sp.changes = slices.DeleteFunc(sp.changes, func(x *Change) bool { return x == old })
			}
			sp.add(c)
			if err := visit(dep, cause); err != nil {
				return err
			}
		}
		return nil
	}
	for _, c := range slices.Clone(sp.changes) {
		if (c.Has(providers.ActStop) || sp.freshStart(c)) && c.Has(providers.ActStart) {
			if err := visit(c.RID, c.RID); err != nil {
				return err
			}
		}
	}
	return nil
}

// freshStart says whether c starts anew a resource whose start makes it
// afresh (Spec.FreshStart): its dependents restart after it.
func (sp *servicePlan) freshStart(c *Change) bool {
	r := sp.inst.Resource(c.RID)
	if r == nil {
		return false
	}
	spec := specOf(r)
	return spec != nil && spec.FreshStart
}

func orphanChange(in Input, lr *LiveResource) *Change {
	c := &Change{
		Address: Address(in.Instance.Service, lr.RID), Service: in.Instance.Service, RID: lr.RID,
		Kind: lr.Kind, Type: lr.Type, Node: in.Instance.Node, Level: LevelNode,
		Actions: []providers.Action{providers.ActStop},
		Reason:  "removed from the configuration; its data is left in place",
		Before:  &ResourceValues{Status: lr.Status, Provisioned: lr.Provisioned},
		After:   &ResourceValues{Status: providers.Down, Provisioned: lr.Provisioned},
	}
	if lr.Applied != nil {
		c.Before.Config = *lr.Applied
		r := &providers.Resource{Service: c.Service, Node: c.Node, Kind: lr.Kind, Type: lr.Type, Attrs: *lr.Applied}
		r.Name = lr.RID[len(lr.Kind)+1:]
		if drv, err := NewDriver(r); err == nil {
			c.Operations = drv.Operations(context.Background(), providers.ActStop)
		}
	}
	return c
}

// steps flattens the service's changes: stops in reverse start order, then
// provisions and starts in start order.
func (sp *servicePlan) steps() []Step {
	order := map[string]int{}
	for i, r := range sp.inst.Resources {
		order[r.RID()] = i
	}
	byOrder := slices.Clone(sp.changes)
	slices.SortStableFunc(byOrder, func(a, b *Change) int {
		ia, oka := order[a.RID]
		ib, okb := order[b.RID]
		switch {
		case !oka && !okb:
			return 0
		case !oka: // orphans stop first
			return -1
		case !okb:
			return 1
		}
		return ia - ib
	})
	var out []Step
	for i := len(byOrder) - 1; i >= 0; i-- {
		for _, a := range byOrder[i].Actions {
			if a == providers.ActStop || a == providers.ActUnprovision {
				out = append(out, byOrder[i].step(a))
			}
		}
	}
	for _, c := range byOrder {
		for _, a := range c.Actions {
			if a == providers.ActProvision || a == providers.ActStart || a == ActUpdate {
				out = append(out, c.step(a))
			}
		}
	}
	return out
}

func (c *Change) step(a providers.Action) Step {
	return Step{Address: c.Address, Service: c.Service, RID: c.RID, Action: a, Optional: c.Optional}
}

// SelectsRID says whether the --rid value want selects resource rid:
// "app" selects every app resource, "app#web" one.
func SelectsRID(want, rid string) bool {
	return want == rid || strings.HasPrefix(rid, want+"#")
}

func selected(rid string, tags []string, opts Options) bool {
	if len(opts.RIDs) == 0 && len(opts.Tags) == 0 {
		return true
	}
	for _, want := range opts.RIDs {
		if SelectsRID(want, rid) {
			return true
		}
	}
	for _, t := range opts.Tags {
		if slices.Contains(tags, t) {
			return true
		}
	}
	return false
}

func newID() string {
	b := make([]byte, 12)
	rand.Read(b)
	return hex.EncodeToString(b)
}
