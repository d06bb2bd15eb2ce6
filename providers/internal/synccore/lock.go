package synccore

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"time"

	"github.com/omhcl/omhcl/providers"
	"github.com/omhcl/omhcl/providers/syncrecord"
)

// Lock takes the sync lock of the resource whose state directory is dir:
// one sync at a time per resource on a node, the others waiting for it
// (wait) or refused with providers.ErrSyncBusy. The lock is a flock: a
// killed sync releases it.
func Lock(ctx context.Context, dir, rid string, wait bool) (func(), error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(filepath.Join(dir, "sync.lock"), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, err
	}
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			return func() { f.Close() }, nil
		}
		if !wait {
			f.Close()
			return nil, fmt.Errorf("%s: %w", rid, providers.ErrSyncBusy)
		}
		select {
		case <-ctx.Done():
			f.Close()
			return nil, fmt.Errorf("%s: waiting for the sync in progress: %w", rid, ctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// Begin starts a sync of r: it takes the resource's lock as req says,
// loads the record and, for a scheduled sync, asks again whether it is
// due (a sync by hand may have reached every target while it waited):
// providers.ErrSyncNotDue then. The caller runs the copies, saves the
// record and calls unlock.
func Begin(ctx context.Context, r *providers.Resource, req providers.SyncRequest) (*syncrecord.Record, func(), error) {
	if len(req.RemoteShell) == 0 {
		return nil, nil, fmt.Errorf("%s: no way to reach the targets", r.RID())
	}
	unlock, err := Lock(ctx, r.StateDir, r.RID(), req.Wait)
	if err != nil {
		return nil, nil, err
	}
	rec, err := syncrecord.Load(r.StateDir)
	if err == nil && req.Due != nil && !req.Due(rec.Last()) {
		err = fmt.Errorf("%s: %w", r.RID(), providers.ErrSyncNotDue)
	}
	if err != nil {
		unlock()
		return nil, nil, err
	}
	return rec, unlock, nil
}
