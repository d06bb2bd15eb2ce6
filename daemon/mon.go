package daemon

import (
	"slices"
	"sort"
	"time"

	"github.com/omhcl/omhcl/lang"
	"github.com/omhcl/omhcl/orchestrate"
	"github.com/omhcl/omhcl/state"
	"github.com/omhcl/omhcl/wire"
)

// mon builds the view.
func (d *Daemon) mon() *wire.MonView {
	members := d.members.snapshot()
	votes := d.votes()
	view := d.view(members, votes)
	d.mu.Lock()
	v := &wire.MonView{Node: d.opts.Node, Threads: map[string]string{}, Quorum: votes.Quorum(), Fencing: votes.MustFence(), Profile: d.cluster.Profile}
	for k, t := range d.threads {
		v.Threads[k] = t
	}
	reports := map[string]*wire.NodeReport{}
	for n, r := range d.reports {
		reports[n] = r
	}
	d.mu.Unlock()
	reports[d.opts.Node] = d.localReport()
	for name, m := range members {
		n := wire.MonNode{Name: name, Addr: m.Addr.String(), Status: m.Status, Since: m.Since.Format(time.RFC3339),
			Gone: view.Nodes[name].Gone, HeldDown: view.Nodes[name].HeldDown, VouchedDown: d.vouched.has(name),
			Settling: m.Status == "alive" && !view.Nodes[name].Fresh}
		if loss, ok := reports[d.opts.Node].LinkLoss[name]; ok {
			n.BeaconLoss = &loss
		}
		if r := reports[name]; r != nil {
			n.Facts, n.Frozen, n.Draining, n.Drained = r.Facts, r.Frozen, r.Draining, r.Drained
			if name != d.opts.Node {
				n.Age = time.Since(r.Received).Seconds()
			}
		}
		v.Nodes = append(v.Nodes, n)
	}
	sort.Slice(v.Nodes, func(i, j int) bool { return v.Nodes[i].Name < v.Nodes[j].Name })
	for _, svc := range d.currentConfig().Services {
		if ms, ok := d.monService(svc, view, reports); ok {
			v.Services = append(v.Services, ms)
		}
	}
	v.ConfigRefused, v.ConfigBroken = d.configs.refusals(), d.configs.brokenWhy()
	return v
}

// monService is svc in the view: where it should run, where it runs, and
// the instance and configuration version each node reports.
func (d *Daemon) monService(svc *lang.Service, view orchestrate.View, reports map[string]*wire.NodeReport) (wire.MonService, bool) {
	inst, diags := svc.Evaluate(d.opts.Node, nil)
	if diags.HasErrors() {
		return wire.MonService{}, false
	}
	s, _ := d.serviceView(svc, view)
	ms := wire.MonService{
		Name: svc.Name, Orchestrate: inst.Settings.Orchestrate, Topology: inst.Settings.Topology,
		Nodes: inst.Settings.Nodes, DrpNodes: inst.Settings.DrpNodes, Frozen: s.Frozen, Intent: string(s.Intent), Preferred: s.Preferred,
		Instances: map[string]*wire.InstanceReport{}, Configs: map[string]state.ConfigVersion{},
	}
	if s.Name != "" && inst.Settings.Topology == "flex" {
		ms.Targets = orchestrate.FlexTargets(view, s)
		ms.FlexMin, ms.FlexMax = inst.Settings.FlexMin, inst.Settings.FlexMax
	} else if s.Name != "" {
		ms.Target = orchestrate.Target(view, s)
		ms.Targets = []string{ms.Target}
	}
	if e := d.configs.get(svc.Name); e != nil {
		ms.Config = e.Version()
	}
	for n, r := range reports {
		if ir := r.Instances[svc.Name]; ir != nil {
			ms.Instances[n] = ir
			// After a forced takeover here, the operator's word: a node
			// out of reach runs nothing.
			vouched := s.Forced && !view.Nodes[n].Alive
			if ir.Running && !view.Nodes[n].Gone && !vouched {
				ms.Running = append(ms.Running, n)
			}
		}
		if ver, ok := r.Configs[svc.Name]; ok {
			ms.Configs[n] = ver
		}
	}
	sort.Strings(ms.Running)
	ms.Placement = placement(view, s, ms.Running)
	return ms, true
}

// placement says whether the service runs where it naturally belongs:
// the first candidate in placement order (the preferred node left out),
// or for a flex service its first flex_max candidates.
func placement(view orchestrate.View, s orchestrate.Service, running []string) string {
	natural := s
	natural.Preferred = ""
	want := []string{orchestrate.Target(view, natural)}
	if s.Settings.Topology == "flex" {
		want = orchestrate.FlexTargets(view, natural)
	}
	if !slices.Equal(running, slices.Sorted(slices.Values(want))) {
		return "non-optimal"
	}
	return "optimal"
}
