package daemon

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/omhcl/omhcl/lang"
	"github.com/omhcl/omhcl/plan"
)

// fakeEvents is an event stream the test drives.
type fakeEvents struct {
	fire       chan struct{}
	subscribed atomic.Int32
	breakFirst bool
}

func (f *fakeEvents) Events(ctx context.Context, changed func()) error {
	if f.subscribed.Add(1) == 1 && f.breakFirst {
		return errors.New("stream broken")
	}
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-f.fire:
			changed()
		}
	}
}

func TestEventWatchesWakeSubscribeAgainAndStop(t *testing.T) {
	woken := make(chan struct{}, 10)
	w := newEventWatches(func() { woken <- struct{}{} }, t.Logf, 10*time.Millisecond)
	src := &fakeEvents{fire: make(chan struct{}), breakFirst: true}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	w.sync(ctx, []eventSubject{{key: "web/container#0", svc: "web", src: src}})
	w.sync(ctx, []eventSubject{{key: "web/container#0", svc: "web", src: src}}) // no second watch
	if w.count() != 1 {
		t.Fatalf("%d watches, want 1", w.count())
	}
	select { // subscribed again: a round for what changed meanwhile
	case <-woken:
	case <-time.After(2 * time.Second):
		t.Fatal("a subscription made again woke no round")
	}
	src.fire <- struct{}{} // waits until the second subscription reads it
	select {
	case <-woken:
	case <-time.After(2 * time.Second):
		t.Fatal("an event woke no round")
	}
	if n := src.subscribed.Load(); n != 2 {
		t.Fatalf("%d subscriptions, want 2 (the first broke)", n)
	}
	w.sync(ctx, nil)
	if w.count() != 0 {
		t.Fatalf("%d watches after their resource went, want 0", w.count())
	}
	select {
	case src.fire <- struct{}{}:
		t.Fatal("a stopped watch still reads events")
	case <-time.After(50 * time.Millisecond):
	}
}

// While a resource's stream is broken, the rounds must poll it: the
// watch counts as broken until it subscribes again.
func TestBrokenEventStreamsAreCounted(t *testing.T) {
	w := newEventWatches(func() {}, t.Logf, 300*time.Millisecond)
	src := &fakeEvents{fire: make(chan struct{}), breakFirst: true}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	w.sync(ctx, []eventSubject{{key: "web/container#0", svc: "web", src: src}})
	if !eventually(time.Second, func() bool { return w.brokenCount() == 1 }) {
		t.Fatal("a broken stream is not counted")
	}
	if !eventually(2*time.Second, func() bool { return w.brokenCount() == 0 && src.subscribed.Load() == 2 }) {
		t.Fatalf("still counted broken after subscribing again (%d subscriptions)", src.subscribed.Load())
	}
}

// A daemon inside the container of an encapsulated service does not
// watch the container's events: the node drives it, through an engine the
// container does not reach. The node's daemon does.
func TestEventSubjectsOnlyOfResourcesThisNodeDrives(t *testing.T) {
	cfg, diags := lang.LoadFiles(map[string][]byte{"web.hcl": []byte(`
service "web" {
  nodes      = ["n1"]
  encapnodes = ["vm1"]
  on "@encapnodes" {
    nodes = ["vm1"]
  }
  container "vm" {
    type     = "docker"
    hostname = "vm1"
    image    = "busybox"
    monitor  = true
  }
  app "web" {
    type    = "simple"
    start   = "/bin/sleep 60"
    monitor = true
    tags    = ["encap"]
  }
}
`)})
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	for node, want := range map[string]int{"n1": 1, "vm1": 0} {
		inst, li, diags := plan.Snapshot{Live: &plan.Live{Node: node}}.Instance(context.Background(), cfg.Service("web"), node)
		if diags.HasErrors() {
			t.Fatal(diags.Error())
		}
		if got, _ := eventSubjects("web", inst, li); len(got) != want {
			t.Errorf("on %s: %d event subjects %v, want %d", node, len(got), got, want)
		}
	}
}

// eventually polls cond every 10 ms until it holds or d has passed.
func eventually(d time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(10 * time.Millisecond)
	}
	return true
}

// A stream that stays broken (its libvirtd down for an hour, retried
// every second) is logged when it breaks, then once a minute with how
// many subscriptions failed meanwhile; a new error, or a break after the
// stream held, is logged at once.
func TestBrokenStreamIsNotLoggedEverySecond(t *testing.T) {
	var b breakLog
	down := errors.New("libvirtd at /run/libvirt/libvirt-sock: connection refused")
	t0 := time.Now()
	logged := 0
	for i := range 3600 {
		if _, ok := b.record(down, false, t0.Add(time.Duration(i)*time.Second)); ok {
			logged++
		}
	}
	if logged != 60 {
		t.Errorf("an hour of breaks a second apart logged %d lines, want 60 (one a minute)", logged)
	}
	if n, ok := b.record(down, false, t0.Add(3660*time.Second)); !ok || !strings.Contains(n, "60 failed") {
		t.Errorf("a minute later: %q, %v; want the count of failures since the last line", n, ok)
	}
	if n, ok := b.record(errors.New("permission denied"), false, t0.Add(3661*time.Second)); !ok || n != "broken" {
		t.Errorf("another error: %q, %v; want it logged at once", n, ok)
	}
	if _, ok := b.record(errors.New("permission denied"), true, t0.Add(3662*time.Second)); !ok {
		t.Error("a break after the stream held is not logged")
	}
}
