package apply

import (
	"context"
	"fmt"

	"github.com/omhcl/omhcl/plan"
	"github.com/omhcl/omhcl/providers"
	"github.com/omhcl/omhcl/state"
)

// checkStarts runs every start veto (the ip conflict probe) before the
// service's first step, so a conflict changes nothing.
func (r *run) checkStarts(steps []plan.Step) error {
	for _, st := range steps {
		if st.Action != providers.ActStart || st.EncapNode != "" {
			continue
		}
		res, err := r.resource(st.RID, st.Action)
		if err != nil {
			return err
		}
		if !res.Known(keys(res)...) {
			continue // its checkable values depend on resources not up yet
		}
		drv, err := plan.NewDriver(res)
		if err != nil {
			return err
		}
		if c, ok := drv.(providers.StartChecker); ok {
			if err := c.CheckStart(r.ctx, r.log(st.RID)); err != nil {
				r.res.Failed = st.RID
				return fmt.Errorf("start aborted due to resource %s conflict: %w", st.RID, err)
			}
		}
	}
	return nil
}

func (r *run) log(rid string) *providers.Log {
	return r.o.Log.For(r.o.Plan.Node, r.res.Service, rid)
}

// step runs one driver call and records its outcome.
func (r *run) step(st plan.Step) error {
	if st.EncapNode != "" {
		return r.encapStep(st, st.Target)
	}
	res, err := r.resource(st.RID, st.Action)
	if err != nil {
		return err
	}
	rr := r.rec.Resource(st.RID)
	rr.Kind, rr.Type, rr.Name = res.Kind, res.Type, res.Name
	if st.Action == plan.ActUpdate {
		return r.saveApplied(rr, res)
	}
	if st.Action != providers.ActStop && !res.Known(keys(res)...) {
		if st.Action == providers.ActUnprovision {
			r.log(st.RID).Info("skip unprovision: %s", "its device is not available (the disk's own unprovision destroys it)")
			return nil
		}
		return fmt.Errorf("settings still unknown after the resources it depends on started")
	}
	if err := ensureDir(res.StateDir); err != nil {
		return err
	}
	drv, err := plan.NewDriver(res)
	if err != nil {
		return err
	}
	log := r.log(st.RID)
	switch st.Action {
	case providers.ActStart:
		if err := drv.Start(r.ctx, log); err != nil {
			return err
		}
		r.started = append(r.started, st.RID)
		r.stale = true
		rr.Provisioned = true
		return r.saveApplied(rr, res)
	case providers.ActStop:
		if err := drv.Stop(r.ctx, log); err != nil {
			return err
		}
		rr.Applied = nil
	case providers.ActProvision:
		if err := drv.Provision(r.ctx, log); err != nil {
			return err
		}
		rr.Provisioned = true
		r.stale = true
	case providers.ActUnprovision:
		if err := drv.Unprovision(r.ctx, log); err != nil {
			return err
		}
		rr.Provisioned = false
		rr.Applied = nil
	}
	return r.o.Store.Save(r.rec)
}

// saveApplied records the settings a resource now runs with.
func (r *run) saveApplied(rr *state.ResourceRecord, res *providers.Resource) error {
	raw, err := plan.EncodeApplied(res.Attrs)
	if err != nil {
		return err
	}
	rr.Applied = raw
	return r.o.Store.Save(r.rec)
}

// rollback stops, in reverse, what this run started in the service.
func (r *run) rollback() {
	// a canceled run still stops what it started
	r.ctx = context.WithoutCancel(r.ctx)
	r.rollbackEncap()
	for i := len(r.started) - 1; i >= 0; i-- {
		rid := r.started[i]
		done := r.o.stepBegins(plan.Step{Address: plan.Address(r.res.Service, rid), Service: r.res.Service, RID: rid, Action: providers.ActStop}, true)
		res, err := r.resource(rid, providers.ActStop)
		if err == nil {
			var drv providers.Driver
			if drv, err = plan.NewDriver(res); err == nil {
				err = drv.Stop(r.ctx, r.log(rid))
			}
		}
		done(err)
		if err != nil {
			r.res.Warnings = append(r.res.Warnings, fmt.Sprintf("rollback: stop %s failed: %v", rid, err))
			continue
		}
		r.rec.Resource(rid).Applied = nil
		r.res.RolledBack = append(r.res.RolledBack, rid)
	}
	r.o.Store.Save(r.rec)
}

func keys(res *providers.Resource) []string {
	out := make([]string, 0, len(res.Attrs))
	for k := range res.Attrs {
		out = append(out, k)
	}
	return out
}
