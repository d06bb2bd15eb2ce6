package daemon

import (
	"github.com/omhcl/omhcl/plan"
	"github.com/omhcl/omhcl/providers/syncrecord"
	"github.com/omhcl/omhcl/wire"
)

// armedSyncRecords are the records of li's sync resources armed here
// (this node runs the service: only it syncs), by rid.
func (d *Daemon) armedSyncRecords(li *plan.LiveInstance) map[string]*syncrecord.Record {
	out := map[string]*syncrecord.Record{}
	for _, r := range li.Resources {
		if r.Kind == "sync" && li.Armed(r) {
			// one that does not read is empty: its status says why
			out[r.RID], _ = syncrecord.Load(d.store.ResourceDir(li.Service, r.RID))
		}
	}
	return out
}

// emitSyncs publishes what a round of syncs of svc did, target by
// target: the records that changed since before.
func (d *Daemon) emitSyncs(svc string, before, after map[string]*syncrecord.Record) {
	for rid, rec := range after {
		for node, t := range rec.Targets {
			var was syncrecord.Target
			if b := before[rid]; b != nil && b.Targets[node] != nil {
				was = *b.Targets[node]
			}
			switch {
			case t.Last.After(was.Last):
				d.emit(wire.Event{Kind: wire.EventSyncDone, Service: svc, RID: rid, Peer: node, Outcome: wire.OutcomeOK, Bytes: t.Bytes, Duration: t.Took.Seconds()})
			case t.ErrorAt.After(was.ErrorAt):
				d.emit(wire.Event{Kind: wire.EventSyncFailed, Service: svc, RID: rid, Peer: node, Outcome: wire.OutcomeFailed, Error: t.Error})
			}
		}
	}
}
