package daemon

import (
	"encoding/json"
	"os"
	"path/filepath"
	"time"

	"github.com/omhcl/omhcl/plan"
	"github.com/omhcl/omhcl/wire"
)

// What a sync driver remembers of its syncs, per target node, in its
// resource's state directory (syncs.json, written by the drivers'
// providers/internal/synccore): the daemon reads it for the sync events
// and metrics, never writes it.
type syncRecord struct {
	Targets map[string]syncTargetRecord `json:"targets"`
}

type syncTargetRecord struct {
	Last    time.Time     `json:"last_sync"`
	Bytes   int64         `json:"bytes_sent"`
	Took    time.Duration `json:"took_ns"`
	Error   string        `json:"error"`
	ErrorAt time.Time     `json:"error_at"`
}

// defaultSyncMaxDelay is a sync resource's max_delay when it sets none
// (providers/internal/synccore.DefaultMaxDelay).
const defaultSyncMaxDelay = 2 * time.Hour

func readSyncRecord(dir string) syncRecord {
	var rec syncRecord
	if b, err := os.ReadFile(filepath.Join(dir, "syncs.json")); err == nil {
		json.Unmarshal(b, &rec)
	}
	return rec
}

// armedSyncRecords are the records of li's sync resources armed here
// (this node runs the service: only it syncs), by rid.
func (d *Daemon) armedSyncRecords(li *plan.LiveInstance) map[string]syncRecord {
	out := map[string]syncRecord{}
	for _, r := range li.Resources {
		if r.Kind == "sync" && li.Armed(r) {
			out[r.RID] = readSyncRecord(d.store.ResourceDir(li.Service, r.RID))
		}
	}
	return out
}

// emitSyncs publishes what a round of syncs of svc did, target by
// target: the records that changed since before.
func (d *Daemon) emitSyncs(svc string, before, after map[string]syncRecord) {
	for rid, rec := range after {
		for node, t := range rec.Targets {
			was := before[rid].Targets[node]
			switch {
			case t.Last.After(was.Last):
				d.emit(wire.Event{Kind: wire.EventSyncDone, Service: svc, RID: rid, Peer: node, Outcome: wire.OutcomeOK, Bytes: t.Bytes, Duration: t.Took.Seconds()})
			case t.ErrorAt.After(was.ErrorAt):
				d.emit(wire.Event{Kind: wire.EventSyncFailed, Service: svc, RID: rid, Peer: node, Outcome: wire.OutcomeFailed, Error: t.Error})
			}
		}
	}
}
