package apply

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/omhcl/omhcl/state"
)

// Locks are services' locks held together by one run.
type Locks struct {
	names []string
	held  []*state.Lock
}

// Lock takes the locks of services, in sorted order so that two runs
// never wait on each other's, each waiting up to timeout.
func Lock(ctx context.Context, store *state.Store, services []string, timeout time.Duration) (*Locks, error) {
	names := slices.Compact(slices.Sorted(slices.Values(services)))
	l := &Locks{names: names}
	for _, svc := range names {
		h, err := store.LockService(ctx, svc, timeout)
		if err != nil {
			l.Unlock()
			return nil, err
		}
		l.held = append(l.held, h)
	}
	return l, nil
}

// Unlock releases every lock; a nil or released Locks is a no-op.
func (l *Locks) Unlock() {
	if l == nil {
		return
	}
	for _, h := range l.held {
		h.Unlock()
	}
	l.held = nil
}

// covers checks that every service of a plan is held: a step outside the
// locks could race another run.
func (l *Locks) covers(services []string) error {
	for _, svc := range services {
		if !slices.Contains(l.names, svc) || l.held == nil {
			return fmt.Errorf("apply: service %s is planned but its lock is not held", svc)
		}
	}
	return nil
}
