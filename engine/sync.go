package engine

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/omhcl/omhcl/lang"
	"github.com/omhcl/omhcl/plan"
	"github.com/omhcl/omhcl/providers"
	"github.com/omhcl/omhcl/state"
)

// SyncRequest says which syncs of a service to run from this node: om's
// sync update and the daemon's schedule both run them through Sync.
type SyncRequest struct {
	Service *lang.Service
	Store   *state.Store
	Node    string
	// RIDs selects sync resources (all when empty); Only one node set
	// ("nodes", "drpnodes"; all when empty).
	RIDs []string
	Only string
	// Shell reaches a target node: `om node ssh` with its state dir.
	Shell []string
	// Due, when set, picks the resources to sync now (the daemon's
	// interval); nil syncs every selected one.
	Due func(r *providers.Resource, last time.Time) bool
	// Down, when set, says which target nodes are known down: they are
	// left out, so they do not hold up the others (the daemon's schedule;
	// a sync by hand tries every target).
	Down func(node string) bool
	Log  *providers.Log
}

// ErrNotArmed: a sync resource is not armed on this node (the service
// does not run here): only the node running a service syncs from it.
type ErrNotArmed struct{ Service, RID, Node string }

func (e ErrNotArmed) Error() string {
	return fmt.Sprintf("%s.%s: paused, service not up on %s: only the node running it syncs from it", e.Service, e.RID, e.Node)
}

// Sync runs the selected syncs of req.Service from this node, to the
// nodes each one targets, each to its destinations as that node sees
// them. It returns how many ran.
func Sync(ctx context.Context, req SyncRequest) (int, error) {
	src := plan.Drivers{Store: req.Store}
	inst, li, diags := src.Instance(ctx, req.Service, req.Node)
	if diags.HasErrors() {
		return 0, DiagError{diags}
	}
	ran := 0
	for _, r := range inst.Resources {
		if r.Kind != "sync" || (len(req.RIDs) > 0 && !slices.ContainsFunc(req.RIDs, func(w string) bool { return plan.SelectsRID(w, r.RID()) })) {
			continue
		}
		// armed: started here as the service started (a standby node,
		// with the same data mounted, never is)
		if !li.Armed(li.Resource(r.RID())) {
			if req.Due != nil {
				continue
			}
			return ran, ErrNotArmed{req.Service.Name, r.RID(), req.Node}
		}
		r.StateDir = req.Store.ResourceDir(req.Service.Name, r.RID())
		drv, err := plan.NewDriver(r)
		if err != nil {
			return ran, err
		}
		s, ok := drv.(providers.Syncer)
		if !ok {
			return ran, fmt.Errorf("%s.%s: sync.%s cannot sync on request", req.Service.Name, r.RID(), r.Type)
		}
		if req.Due != nil && !req.Due(r, lastSync(drv)) {
			continue
		}
		targets := syncTargets(req.Service, inst, r, req.Node, req.Only)
		if len(targets) == 0 {
			continue
		}
		var down []string
		if req.Down != nil {
			targets = slices.DeleteFunc(targets, func(t providers.SyncTarget) bool {
				if req.Down(t.Node) {
					down = append(down, t.Node)
					return true
				}
				return false
			})
		}
		log := req.Log.For(req.Node, req.Service.Name, r.RID())
		sr := providers.SyncRequest{Targets: targets, Down: down, RemoteShell: req.Shell, Wait: req.Due == nil}
		if req.Due != nil {
			// asked again under the driver's lock: a sync by hand may
			// have reached every target since
			sr.Due = func(last time.Time) bool { return req.Due(r, last) }
		}
		err = s.Sync(ctx, log, sr)
		if req.Due != nil && (errors.Is(err, providers.ErrSyncBusy) || errors.Is(err, providers.ErrSyncNotDue)) {
			continue // a sync by hand runs it now, or just did
		}
		if err != nil {
			return ran, err
		}
		ran++
	}
	return ran, nil
}

// lastSync is when the driver last synced every target, as its status
// says through LastSyncer; zero when it cannot tell.
func lastSync(drv providers.Driver) time.Time {
	if l, ok := drv.(providers.LastSyncer); ok {
		return l.LastSync()
	}
	return time.Time{}
}

// syncTargets are the nodes r copies to from node: the node sets its
// target attribute names (only one when set), node itself excluded, each
// with r's destinations as that node sees them.
func syncTargets(svc *lang.Service, inst *lang.Instance, r *providers.Resource, node, only string) []providers.SyncTarget {
	var out []providers.SyncTarget
	for _, set := range r.Strings("target") {
		if only != "" && set != only {
			continue
		}
		nodes := inst.Settings.Nodes
		if set == "drpnodes" {
			nodes = inst.Settings.DrpNodes
		}
		for _, n := range nodes {
			if n != node && !slices.ContainsFunc(out, func(t providers.SyncTarget) bool { return t.Node == n }) {
				out = append(out, providers.SyncTarget{Node: n, Set: set, Dst: plan.SyncDestinations(svc, n, r.RID())})
			}
		}
	}
	return out
}
