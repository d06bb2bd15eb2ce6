package daemon

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"
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
	w.sync(ctx, []eventSubject{{key: "web/container#0", rid: "web container#0", src: src}})
	w.sync(ctx, []eventSubject{{key: "web/container#0", rid: "web container#0", src: src}}) // no second watch
	if w.count() != 1 {
		t.Fatalf("%d watches, want 1", w.count())
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
