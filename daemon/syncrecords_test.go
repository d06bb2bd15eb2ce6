package daemon

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/omhcl/omhcl/plan"
	"github.com/omhcl/omhcl/providers"
	"github.com/omhcl/omhcl/providers/syncrecord"
	"github.com/omhcl/omhcl/state"
	"github.com/omhcl/omhcl/wire"
	"github.com/prometheus/client_golang/prometheus"
)

// The sync events and gauges come from what the sync drivers record: a
// target whose last good sync moved is a sync.done with its bytes and
// duration, one whose error moved a sync.failed; the node running the
// service exports each target's age, bytes, duration and max_delay.
func TestSyncEventsAndGauges(t *testing.T) {
	store := state.Open(t.TempDir())
	d := &Daemon{opts: Options{Node: "n1"}, store: store, bus: newEventBus(), configs: newConfigStore(store)}
	d.metrics = newMetrics(d)
	li := &plan.LiveInstance{Service: "data", Resources: []*plan.LiveResource{
		{RID: "fs#1", Kind: "fs", Status: providers.Up, Applied: &plan.Values{}},
		{RID: "sync#0", Kind: "sync", Arms: true, Status: providers.Up, Applied: &plan.Values{}},
	}}
	d.lives = map[string]*plan.LiveInstance{"data": li}
	dir := store.ResourceDir("data", "sync#0")
	write := func(rec syncrecord.Record) {
		b, _ := json.Marshal(rec)
		os.MkdirAll(dir, 0o700)
		if err := os.WriteFile(filepath.Join(dir, "syncs.json"), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	last := time.Now().Add(-time.Minute).UTC()
	write(syncrecord.Record{Targets: map[string]*syncrecord.Target{"n2": {Last: last, Bytes: 10, Took: time.Second}, "n3": {Last: last}}})
	before := d.armedSyncRecords(li)
	write(syncrecord.Record{Targets: map[string]*syncrecord.Target{
		"n2": {Last: last.Add(30 * time.Second), Bytes: 4096, Took: 2 * time.Second},
		"n3": {Last: last, Error: "rsync: connection refused", ErrorAt: time.Now().UTC()},
	}})
	sub, _, _ := d.bus.subscribe(wire.EventsRequest{})
	d.emitSyncs("data", before, d.armedSyncRecords(li))
	got := map[string]wire.Event{}
	for len(got) < 2 {
		e := <-sub.ch
		got[e.Peer] = e
	}
	if e := got["n2"]; e.Kind != wire.EventSyncDone || e.RID != "sync#0" || e.Bytes != 4096 || e.Duration != 2 {
		t.Errorf("the sync to n2: %+v", e)
	}
	if e := got["n3"]; e.Kind != wire.EventSyncFailed || e.Error != "rsync: connection refused" {
		t.Errorf("the sync to n3: %+v", e)
	}

	gauges := map[string]float64{}
	d.metrics.collectSyncs(func(desc *prometheus.Desc, v float64, labels ...string) {
		gauges[descName(desc)+"/"+labels[3]] = v
	})
	for k, want := range map[string]float64{
		"omhcl_sync_last_sent_bytes/n2":       4096,
		"omhcl_sync_last_duration_seconds/n2": 2,
		"omhcl_sync_max_delay_seconds/n2":     (2 * time.Hour).Seconds(),
		"omhcl_sync_failing/n2":               0,
		"omhcl_sync_failing/n3":               1,
	} {
		if gauges[k] != want {
			t.Errorf("%s = %v, want %v", k, gauges[k], want)
		}
	}
	if age := gauges["omhcl_sync_last_success_age_seconds/n2"]; age < 29 || age > 60 {
		t.Errorf("the last good sync to n2 is %v s old, want about 30", age)
	}

	// a node not running the service (its sync disarmed) exports nothing
	li.Resources[0].Status, li.Resources[0].Applied = providers.Down, nil
	n := 0
	d.metrics.collectSyncs(func(*prometheus.Desc, float64, ...string) { n++ })
	if n != 0 {
		t.Errorf("%d sync gauges on a node not running the service", n)
	}
}
