package synccore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/omhcl/omhcl/providers"
	"github.com/omhcl/omhcl/providers/syncrecord"
	"github.com/zclconf/go-cty/cty"
)

// Copier is what a sync driver does of its own in a sync; Run does the
// rest, the same for every driver.
type Copier interface {
	// Prepare runs once, under the lock, before the copies (sync.btrfs:
	// the snapshots to send).
	Prepare(ctx context.Context, log *providers.Log) error
	// CopyTo copies to one target, tr its record (its last sync), and
	// returns the bytes sent; on success Run records the sync in tr.
	CopyTo(ctx context.Context, log *providers.Log, t providers.SyncTarget, tr *syncrecord.Target, shell []string) (int64, error)
	// Finish runs after the record is saved (sync.btrfs: the rotation).
	Finish(ctx context.Context, log *providers.Log, rec *syncrecord.Record) error
}

// Run is a sync of r: one at a time per resource on a node (Begin), then
// c's copies to each target, one after the other, each outcome recorded,
// a failed target not stopping the others.
func Run(ctx context.Context, log *providers.Log, r *providers.Resource, req providers.SyncRequest, c Copier) error {
	rec, unlock, err := Begin(ctx, r, req)
	if err != nil {
		return err
	}
	defer unlock()
	for _, n := range req.Down {
		rec.Of(n).Failed(fmt.Errorf("%s is down: not tried", n))
	}
	if len(req.Targets) == 0 {
		return rec.Save()
	}
	if err := c.Prepare(ctx, log); err != nil {
		return fmt.Errorf("%s: %w", r.RID(), err)
	}
	var errs []error
	for _, t := range req.Targets {
		begin := time.Now()
		tr := rec.Of(t.Node)
		sent, err := c.CopyTo(ctx, log, t, tr, req.RemoteShell)
		if err != nil {
			tr.Failed(err)
			errs = append(errs, fmt.Errorf("%s: %w", t.Node, err))
			continue
		}
		tr.Succeeded(begin, sent)
		log.Info("%s: synced, %s in %s", t.Node, BytesText(sent), time.Since(begin).Round(time.Millisecond))
	}
	if err := rec.Save(); err != nil {
		errs = append(errs, err)
	}
	if err := c.Finish(ctx, log, rec); err != nil {
		errs = append(errs, err)
	}
	if len(errs) > 0 {
		return fmt.Errorf("%s: %w", r.RID(), errors.Join(errs...))
	}
	return nil
}

// Armed is what every sync driver does the same way, for embedding:
// Start and Stop only arm and disarm the resource (the engine's record
// of the start is the arming: syncs run on request and on the daemon's
// schedule while the service runs here); status and the last sync come
// from the record.
type Armed struct{ R *providers.Resource }

func (a Armed) Start(ctx context.Context, log *providers.Log) error { return nil }
func (a Armed) Stop(ctx context.Context, log *providers.Log) error  { return nil }

func (a Armed) Exposed(ctx context.Context) map[string]cty.Value { return nil }

// Status is each target's last good sync against max_delay.
func (a Armed) Status(ctx context.Context) providers.Status {
	return Status(a.R.StateDir, a.R.Duration("max_delay", DefaultMaxDelay))
}

// LastSync is when every target last got a good sync.
func (a Armed) LastSync() time.Time { return syncrecord.LastSync(a.R.StateDir) }
