package main

import (
	"fmt"
	"slices"

	"github.com/omhcl/omhcl/engine"
	"github.com/omhcl/omhcl/lang"
	"github.com/omhcl/omhcl/plan"
	"github.com/omhcl/omhcl/providers"
	"github.com/omhcl/omhcl/wire"
)

// liveMoves shows, in node's plan, the live migration a pending move of a
// service whose container says live_migrate = true makes (the daemon's
// planned moves, om SVC switch --live): on the node running it, the
// container migrates instead of stopping; on its target, it arrives
// running instead of starting.
func liveMoves(cfg *lang.Config, p *plan.Plan, node string, s *wire.MonService) {
	if s == nil || len(s.Running) != 1 || s.Target == "" || s.Target == s.Running[0] {
		return
	}
	from, to := s.Running[0], s.Target
	if node != from && node != to {
		return
	}
	rid := engine.MigratableRID(cfg, node, s.Name)
	if rid == "" {
		return
	}
	i := slices.IndexFunc(p.Changes, func(c *plan.Change) bool { return c.Service == s.Name && c.RID == rid })
	if i < 0 {
		return
	}
	c := p.Changes[i]
	// the levels inside move with the guest, running: neither stopped
	// here nor started there
	p.Changes = slices.DeleteFunc(p.Changes, func(e *plan.Change) bool {
		return e.Service == s.Name && e.Level == plan.LevelEncap && e.Container == rid
	})
	p.Steps = slices.DeleteFunc(p.Steps, func(st plan.Step) bool { return st.Service == s.Name && st.EncapNode != "" && st.RID == rid })
	inst, diags := cfg.Service(s.Name).Evaluate(node, nil)
	if diags.HasErrors() {
		return
	}
	if n := inst.Resource(rid).EncapNode(); n != "" && slices.Contains(inst.Settings.EncapNodes, n) {
		defer func() {
			c.Operations = append(c.Operations, fmt.Sprintf("the level inside %s moves with it, running", n))
		}()
	}
	switch {
	case node == from && c.Has(providers.ActStop):
		drv, err := plan.NewDriver(inst.Resource(rid))
		if err != nil {
			return
		}
		c.Reason = "migrates live to " + to + ", running"
		c.Operations = drv.(providers.Migrator).MigrateOperations(to)
	case node == to && c.Has(providers.ActStart):
		c.Reason = "arrives running, migrated live from " + from
		c.Operations = []string{fmt.Sprintf("none here: %s's libvirtd migrates it in, defined as this node defines it; then the rest of %s starts", from, s.Name)}
	}
}
