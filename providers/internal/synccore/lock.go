package synccore

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"time"

	"github.com/omhcl/omhcl/providers"
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
