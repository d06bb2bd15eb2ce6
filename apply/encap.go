package apply

import (
	"fmt"
	"strings"

	"github.com/omhcl/omhcl/plan"
	"github.com/omhcl/omhcl/providers"
)

// encapStep hands the level inside a container to the agent there, which
// converges it through its own engine and rolls back its own failed start.
func (r *run) encapStep(st plan.Step, target plan.Target) error {
	if r.o.Agents == nil {
		return fmt.Errorf("the level inside %s (%s) needs the agent there, and this command does not reach agents", st.EncapNode, st.RID)
	}
	res, err := r.resource(st.RID, providers.ActStart)
	if err != nil {
		return err
	}
	drv, err := plan.NewDriver(res)
	if err != nil {
		return err
	}
	x, ok := drv.(providers.Executor)
	if !ok {
		return fmt.Errorf("container.%s cannot run a command inside its container: no agent can drive the level inside %s", res.Type, st.EncapNode)
	}
	if len(st.NodeDrops) > 0 && drv.Status(r.ctx).State != providers.Up {
		return r.dropAddresses(st, "the container does not run")
	}
	h := plan.EncapHost{Service: st.Service, Container: st.RID, Node: st.EncapNode}
	req := plan.EncapRequest{Target: target, RIDs: st.RIDs}
	if err := r.o.Agents.Converge(r.ctx, h, x, req, r.log(st.RID)); err != nil {
		if len(st.NodeDrops) > 0 {
			r.res.Warnings = append(r.res.Warnings, fmt.Sprintf("stop inside %s failed: %v", st.EncapNode, err))
			return r.dropAddresses(st, "its agent failed")
		}
		return fmt.Errorf("inside %s: %w", st.EncapNode, err)
	}
	if st.Action == providers.ActStart {
		r.startedEncap = append(r.startedEncap, st)
	}
	return nil
}

// rollbackEncap stops, in reverse, the levels inside containers this run
// started: they started after every resource of the node.
func (r *run) rollbackEncap() {
	for i := len(r.startedEncap) - 1; i >= 0; i-- {
		st := r.startedEncap[i]
		stop := st
		stop.Action, stop.Target = providers.ActStop, plan.TargetDown
		done := r.o.stepBegins(stop, true)
		err := r.encapStep(st, plan.TargetDown)
		done(err)
		if err != nil {
			r.res.Warnings = append(r.res.Warnings, fmt.Sprintf("rollback: stop inside %s failed: %v", st.EncapNode, err))
			continue
		}
		r.res.RolledBack = append(r.res.RolledBack, st.Address)
	}
}

// dropAddresses drops, with the node's own drivers, the addresses of the
// level inside st's container, which shares the node's network namespace:
// its agent cannot (why), and they would block the service's start on
// every other node.
func (r *run) dropAddresses(st plan.Step, why string) error {
	inner, diags := r.svc.Evaluate(st.EncapNode, nil)
	if diags.HasErrors() {
		return diagsError(diags)
	}
	log := r.log(st.RID)
	log.Info("%s: the node drops the addresses of the level inside %s: %s", why, st.EncapNode, strings.Join(st.NodeDrops, ", "))
	for _, rid := range st.NodeDrops {
		res := inner.Resource(rid)
		if res == nil {
			continue
		}
		drv, err := plan.NewDriver(res)
		if err == nil {
			err = drv.Stop(r.ctx, r.log(st.EncapNode+":"+rid))
		}
		if err != nil {
			return fmt.Errorf("drop %s of the level inside %s: %w", rid, st.EncapNode, err)
		}
	}
	return nil
}
