package daemon

import (
	"slices"
	"sort"
	"time"

	"github.com/omhcl/omhcl/lang"
	"github.com/omhcl/omhcl/orchestrate"
)

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
}

// MonService is one service across the nodes.
type MonService struct {
	Name        string                     `json:"name"`
	Orchestrate string                     `json:"orchestrate"`
	Topology    string                     `json:"topology"`
	Nodes       []string                   `json:"nodes"`
	DrpNodes    []string                   `json:"drpnodes,omitempty"`
	Frozen      bool                       `json:"frozen"`
	Intent      string                     `json:"intent,omitempty"`
	Preferred   string                     `json:"preferred,omitempty"`
	Target      string                     `json:"target"`  // failover: the node that should run it
	Targets     []string                   `json:"targets"` // every node that should run it (flex: several)
	FlexMin     int                        `json:"flex_min,omitempty"`
	FlexMax     int                        `json:"flex_max,omitempty"`
	Config      Version                    `json:"config"`
	Running     []string                   `json:"running_on"`
	Placement   string                     `json:"placement"` // optimal, non-optimal
	Instances   map[string]*InstanceReport `json:"instances"`
	Configs     map[string]Version         `json:"configs"` // the version each node has
}

// mon builds the view.
func (d *Daemon) mon() *MonView {
	members := d.members.snapshot()
	votes := d.votes()
	view := d.view(members, votes)
	d.mu.Lock()
	v := &MonView{Node: d.opts.Node, Threads: map[string]string{}, Quorum: votes.Quorum(), Fencing: votes.MustFence(), Profile: d.cluster.Profile}
	for k, t := range d.threads {
		v.Threads[k] = t
	}
	reports := map[string]*NodeReport{}
	for n, r := range d.reports {
		reports[n] = r
	}
	d.mu.Unlock()
	reports[d.opts.Node] = d.localReport()
	for name, m := range members {
		n := MonNode{Name: name, Addr: m.Addr.String(), Status: m.Status, Since: m.Since.Format(time.RFC3339),
			Gone: view.Nodes[name].Gone, HeldDown: view.Nodes[name].HeldDown, VouchedDown: d.vouched.has(name),
			Settling: m.Status == "alive" && !view.Nodes[name].Fresh}
		if loss, ok := reports[d.opts.Node].LinkLoss[name]; ok {
			n.BeaconLoss = &loss
		}
		if r := reports[name]; r != nil {
			n.Facts = r.Facts
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
func (d *Daemon) monService(svc *lang.Service, view orchestrate.View, reports map[string]*NodeReport) (MonService, bool) {
	inst, diags := svc.Evaluate(d.opts.Node, nil)
	if diags.HasErrors() {
		return MonService{}, false
	}
	s, _ := d.serviceView(svc, view)
	ms := MonService{
		Name: svc.Name, Orchestrate: inst.Settings.Orchestrate, Topology: inst.Settings.Topology,
		Nodes: inst.Settings.Nodes, DrpNodes: inst.Settings.DrpNodes, Frozen: s.Frozen, Intent: string(s.Intent), Preferred: s.Preferred,
		Instances: map[string]*InstanceReport{}, Configs: map[string]Version{},
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
