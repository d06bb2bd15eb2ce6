package syncrsync

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/omhcl/omhcl/providers"
	"github.com/omhcl/omhcl/providers/internal/synccore"
	"github.com/zclconf/go-cty/cty"
)

func list(words ...string) cty.Value {
	vs := make([]cty.Value, len(words))
	for i, w := range words {
		vs[i] = cty.StringVal(w)
	}
	return cty.ListVal(vs)
}

func resource(t *testing.T, attrs map[string]cty.Value) *providers.Resource {
	a := map[string]cty.Value{"src": list("/srv/data"), "target": list("nodes"), "max_delay": cty.StringVal("1h")}
	for k, v := range attrs {
		a[k] = v
	}
	return &providers.Resource{Service: "svc", Node: "n1", Kind: "sync", Type: "rsync", Name: "0", Attrs: a, StateDir: t.TempDir()}
}

func TestBadAttributesAreRefused(t *testing.T) {
	for attr, v := range map[string]cty.Value{
		"src":       list("relative/path"),
		"dst":       list("/a", "/b"),
		"target":    list("everyone"),
		"interval":  cty.StringVal("often"),
		"max_delay": cty.StringVal("-1h"),
	} {
		if _, err := New(resource(t, map[string]cty.Value{attr: v})); err == nil {
			t.Errorf("%s = %#v: accepted", attr, v)
		}
	}
}

// Status: nothing recorded is n/a; a target synced within max_delay is
// up; one beyond, or one that never got a good sync, warns.
func TestStatusFollowsMaxDelay(t *testing.T) {
	r := resource(t, nil)
	d := &driver{Armed: synccore.Armed{R: r}, r: r}
	if st := d.Status(context.Background()); st.State != providers.NA {
		t.Errorf("never synced: %s %v", st.State, st.Messages)
	}
	now := time.Now().UTC()
	save(t, r, map[string]*synccore.Target{"n2": {Last: now.Add(-10 * time.Minute), Bytes: 2 << 20}})
	if st := d.Status(context.Background()); st.State != providers.Up || !strings.Contains(st.Messages[0], "n2: last sync 10m0s ago, 2.0 MB sent") {
		t.Errorf("synced 10 min ago: %s %v", st.State, st.Messages)
	}
	save(t, r, map[string]*synccore.Target{"n2": {Last: now.Add(-2 * time.Hour)}, "n3": {Last: now}})
	if st := d.Status(context.Background()); st.State != providers.Warn || !strings.Contains(strings.Join(st.Messages, "\n"), "warn: n2: last sync 2h0m0s ago") {
		t.Errorf("synced 2 h ago with max_delay 1h: %s %v", st.State, st.Messages)
	}
	if last := d.LastSync(); !last.Equal(now.Add(-2 * time.Hour)) {
		t.Errorf("LastSync %s: want the oldest target's", last)
	}
}

func TestStatsSent(t *testing.T) {
	out := "Number of files: 3\nTotal bytes sent: 1,048,999\nTotal bytes received: 35\n"
	if n := statsSent(out); n != 1048999 {
		t.Errorf("statsSent = %d", n)
	}
	if n := statsSent("no stats"); n != 0 {
		t.Errorf("statsSent of no stats = %d", n)
	}
}

// save records targets as a sync of r would have.
func save(t *testing.T, r *providers.Resource, targets map[string]*synccore.Target) {
	t.Helper()
	rec, err := synccore.Load(r.StateDir)
	if err != nil {
		t.Fatal(err)
	}
	rec.Targets = targets
	if err := rec.Save(); err != nil {
		t.Fatal(err)
	}
}

// The daemon's schedule asks again, once it holds the lock, whether its
// sync is due: a sync by hand that reached every target meanwhile makes
// it skip, without copying anything.
func TestScheduledSyncSkipsWhatRanMeanwhile(t *testing.T) {
	r := resource(t, nil)
	d := &driver{Armed: synccore.Armed{R: r}, r: r}
	save(t, d.r, map[string]*synccore.Target{"n2": {Last: time.Now().UTC()}})
	req := providers.SyncRequest{
		Targets:     []providers.SyncTarget{{Node: "n2", Set: "nodes"}},
		RemoteShell: []string{"/nonexistent/shell"}, // any copy would fail
		Due:         func(last time.Time) bool { return time.Since(last) >= time.Hour },
	}
	var out strings.Builder
	if err := d.Sync(context.Background(), providers.NewLog(&out), req); !errors.Is(err, providers.ErrSyncNotDue) {
		t.Errorf("a scheduled sync after a fresh one: %v\n%s", err, out.String())
	}
	req.Due = func(last time.Time) bool { return true }
	if err := d.Sync(context.Background(), providers.NewLog(&out), req); err == nil || errors.Is(err, providers.ErrSyncNotDue) {
		t.Errorf("a due sync did not try: %v", err)
	}
}

// A target known down is not tried: its attempt is recorded as failed,
// so the schedule tries it again an interval later.
func TestDownTargetsAreRecordedNotTried(t *testing.T) {
	r := resource(t, nil)
	d := &driver{Armed: synccore.Armed{R: r}, r: r}
	req := providers.SyncRequest{Down: []string{"n3"}, RemoteShell: []string{"/nonexistent/shell"}}
	if err := d.Sync(context.Background(), providers.NewLog(&strings.Builder{}), req); err != nil {
		t.Fatalf("a sync with its only target down: %v", err)
	}
	rec, _ := synccore.Load(r.StateDir)
	if tr := rec.Targets["n3"]; tr == nil || !strings.Contains(tr.Error, "n3 is down: not tried") || time.Since(rec.Last()) > time.Minute {
		t.Errorf("record of the down target: %+v", tr)
	}
}
