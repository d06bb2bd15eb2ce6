package daemon

import (
	"context"
	"os"
	"sync"
	"time"

	"github.com/omhcl/omhcl/engine"
	"github.com/omhcl/omhcl/lang"
	"github.com/omhcl/omhcl/plan"
	"github.com/omhcl/omhcl/providers"
)

// defaultSyncInterval is a sync resource's interval when it sets none.
const defaultSyncInterval = 30 * time.Minute

// syncRuns are the services whose syncs run now, one batch each.
type syncRuns struct {
	mu      sync.Mutex
	running map[string]bool
}

func (s *syncRuns) claim(svc string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.running == nil {
		s.running = map[string]bool{}
	}
	if s.running[svc] {
		return false
	}
	s.running[svc] = true
	return true
}

func (s *syncRuns) release(svc string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.running, svc)
}

// scheduleSyncs runs, in the background, the syncs of svc that are due
// (their interval passed since they last reached every target) when this
// node runs it and it is not frozen: the loop never waits on a copy.
func (d *Daemon) scheduleSyncs(ctx context.Context, svc *lang.Service, li *plan.LiveInstance) {
	if li == nil || !armedSync(li) || d.shared.get(svc.Name).Frozen || !d.runsHere(svc.Name) || !d.syncs.claim(svc.Name) {
		return
	}
	d.work.Add(1)
	go func() {
		defer d.work.Done()
		defer d.syncs.release(svc.Name)
		before := d.armedSyncRecords(li)
		defer func() { d.emitSyncs(svc.Name, before, d.armedSyncRecords(li)) }()
		self, err := os.Executable()
		if err != nil {
			d.errorf("%s: syncs: %v", svc.Name, err)
			return
		}
		_, err = engine.Sync(ctx, engine.SyncRequest{
			Service: svc, Store: d.store, Node: d.opts.Node,
			Shell: []string{self, "--state-dir", d.store.Root, "node", "ssh"},
			Due: func(r *providers.Resource, last time.Time) bool {
				return time.Since(last) >= r.Duration("interval", defaultSyncInterval)
			},
			// a node known down would cost every round a connection
			// timeout, and delay the targets behind it
			Down: func(node string) bool { return !d.leases.holds(node, time.Now(), d.timings.Lease) },
			Log:  providers.NewLog(prefixWriter{d, svc.Name}),
		})
		if err != nil {
			d.errorf("%s: sync failed: %v", svc.Name, err)
		}
	}()
}

// armedSync reports whether li has a sync resource started here.
func armedSync(li *plan.LiveInstance) bool {
	for _, r := range li.Resources {
		if li.Armed(r) {
			return true
		}
	}
	return false
}
