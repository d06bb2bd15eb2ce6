package engine

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/omhcl/omhcl/apply"
	"github.com/omhcl/omhcl/lang"
	"github.com/omhcl/omhcl/plan"
	"github.com/omhcl/omhcl/providers"
)

// Migration is a live migration of a service to another node: its
// resource RID (a providers.Migrator) keeps running and moves there.
type Migration struct {
	RID string
	To  providers.MigrationTarget
}

// migrate moves the service live, under its lock: it stops the service's
// other resources at this node's level, as a switch does (the levels
// inside the migrated container move with it, untouched), migrates the
// container, and forgets its start here (a monitor must not take it for
// a death). A migration that fails starts again what was stopped: the
// service stays up here. The plan returned is the stop's.
func (c *convergence) migrate(ctx context.Context, m Migration) (*plan.Plan, *apply.Result, error) {
	if len(c.req.Services) != 1 {
		return nil, nil, errors.New("a migration moves one service")
	}
	svcName := c.req.Services[0]
	svc := c.req.Config.Service(svcName)
	if svc == nil {
		return nil, nil, fmt.Errorf("no service %s", svcName)
	}
	inst, diags := svc.Evaluate(c.req.Node, nil)
	if diags.HasErrors() {
		return nil, nil, DiagError{diags}
	}
	var mig providers.Migrator
	var others []string
	for _, r := range inst.Resources {
		if r.RID() != m.RID {
			if !r.Common.Encap { // the levels inside move with the guest
				others = append(others, r.RID())
			}
			continue
		}
		drv, err := plan.NewDriver(r)
		if err != nil {
			return nil, nil, err
		}
		ok := false
		if mig, ok = drv.(providers.Migrator); !ok || !mig.LiveMigrates() {
			return nil, nil, fmt.Errorf("%s.%s does not migrate live (live_migrate = true on a container that can)", svcName, m.RID)
		}
	}
	if mig == nil {
		return nil, nil, fmt.Errorf("%s has no resource %s here", svcName, m.RID)
	}
	// the rest of the service, at this node's level only
	step := func(target plan.Target) (*plan.Plan, *apply.Result, error) {
		if len(others) == 0 {
			return &plan.Plan{Node: c.req.Node}, nil, nil
		}
		// no agent is asked: the levels inside are not touched, and asking
		// one (om agent status inside a guest) takes seconds
		sub := newConvergence(Request{Config: c.req.Config, Store: c.req.Store, Node: c.req.Node, Services: c.req.Services,
			Target: target, RIDs: others, Levels: plan.Levels{Master: true}, Log: c.req.Log, LockTimeout: c.req.LockTimeout,
			Step: c.req.Step})
		sub.locks = c.locks
		p, res, err := sub.converge(ctx)
		return p, res, Err(p, res, err)
	}
	p, res, err := step(plan.TargetDown)
	if err != nil {
		// what stopped starts again
		if _, _, uerr := step(plan.TargetUp); uerr != nil {
			err = fmt.Errorf("%w; and starting it again here: %v", err, uerr)
		}
		return p, res, fmt.Errorf("stop the rest of %s before the migration: %w", svcName, err)
	}
	if err := mig.Migrate(ctx, c.req.Log, m.To); err != nil {
		if _, _, uerr := step(plan.TargetUp); uerr != nil {
			return p, res, fmt.Errorf("%w; the rest of %s did not start again here: %v", err, svcName, uerr)
		}
		return p, res, fmt.Errorf("%w: %s stays up on %s", err, svcName, c.req.Node)
	}
	if rec, err := c.req.Store.Load(svcName); err == nil && rec.Resources[m.RID] != nil {
		rec.Resources[m.RID].Applied = nil
		if err := c.req.Store.Save(rec); err != nil {
			c.req.Log.Info("record of %s: %v", m.RID, err)
		}
	}
	return p, res, nil
}

// adopt records the settings of rid, which a live migration brought here
// running, as this node's engine records a start: the monitor then
// watches it, and a later stop knows it ran here. Its settings must all
// be known without the live state (a container's are).
func (c *convergence) adopt(rid string) {
	svc := c.req.Config.Service(c.req.Services[0])
	if svc == nil || len(c.req.Services) != 1 {
		return
	}
	inst, diags := svc.Evaluate(c.req.Node, nil)
	if diags.HasErrors() || inst == nil {
		return
	}
	r := inst.Resource(rid)
	if r == nil {
		return
	}
	for _, v := range r.Attrs {
		if !v.IsWhollyKnown() {
			return
		}
	}
	raw, err := plan.EncodeApplied(r.Attrs)
	if err != nil {
		return
	}
	rec, err := c.req.Store.Load(svc.Name)
	if err != nil {
		return
	}
	rr := rec.Resource(rid)
	rr.Type, rr.Provisioned, rr.Applied = r.Type, true, raw
	if err := c.req.Store.Save(rec); err != nil {
		c.req.Log.Info("record of %s: %v", rid, err)
	}
}

// MigratableRID is the resource of svc's instance on node that a planned
// move migrates live ("" when none says live_migrate = true).
func MigratableRID(cfg *lang.Config, node, svcName string) string {
	svc := cfg.Service(svcName)
	if svc == nil {
		return ""
	}
	inst, diags := svc.Evaluate(node, nil)
	if diags.HasErrors() || inst == nil {
		return ""
	}
	i := slices.IndexFunc(inst.Resources, func(r *providers.Resource) bool {
		drv, err := plan.NewDriver(r)
		if err != nil {
			return false
		}
		mig, ok := drv.(providers.Migrator)
		return ok && mig.LiveMigrates()
	})
	if i < 0 {
		return ""
	}
	return inst.Resources[i].RID()
}
