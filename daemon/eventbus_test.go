package daemon

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/omhcl/omhcl/wire"
)

// A subscriber that does not read is dropped once its buffer is full,
// without the publisher ever waiting; its channel closes, saying how far
// behind it was. The others go on.
func TestEventBusDropsASlowReader(t *testing.T) {
	b := newEventBus()
	slow, _, err := b.subscribe(wire.EventsRequest{})
	if err != nil {
		t.Fatal(err)
	}
	fast, _, _ := b.subscribe(wire.EventsRequest{})
	ack := make(chan uint64)
	go func() {
		for e := range fast.ch {
			ack <- e.Seq
		}
		close(ack)
	}()
	var got []uint64
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := 0; i < subscriberBuffer+10; i++ {
			b.publish(wire.Event{Kind: wire.EventAction})
			got = append(got, <-ack) // this reader keeps up
		}
	}()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("publishing waited on a reader")
	}
	n := 0
	for range slow.ch {
		n++
	}
	if n != subscriberBuffer || slow.lagged != subscriberBuffer+1 {
		t.Fatalf("the slow reader got %d events before its stream closed, lagged %d; want %d and %d", n, slow.lagged, subscriberBuffer, subscriberBuffer+1)
	}
	b.unsubscribe(slow) // closed already: nothing happens
	b.unsubscribe(fast)
	if len(got) != subscriberBuffer+10 || got[len(got)-1] != uint64(subscriberBuffer+10) {
		t.Fatalf("the reader that kept up got %d events, the last %v", len(got), got[len(got)-1:])
	}
}

// --since replays the kept events that match, oldest first, then the new
// ones follow without a gap.
func TestEventBusReplaysWhatMatches(t *testing.T) {
	b := newEventBus()
	for i := 0; i < eventsKept+5; i++ {
		k := wire.EventMemberJoin
		if i%2 == 0 {
			k = wire.EventSyncDone
		}
		b.publish(wire.Event{Kind: k, Time: time.Now()})
	}
	s, replay, _ := b.subscribe(wire.EventsRequest{Since: time.Minute, Kinds: []string{"member."}})
	if len(replay) != eventsKept/2 || replay[0].Seq != 6 || replay[len(replay)-1].Seq != eventsKept+4 {
		t.Fatalf("replayed %d events, %d to %d; want %d, 6 to %d", len(replay), replay[0].Seq, replay[len(replay)-1].Seq, eventsKept/2, eventsKept+4)
	}
	b.publish(wire.Event{Kind: wire.EventSyncDone, Time: time.Now()})
	b.publish(wire.Event{Kind: wire.EventMemberFail, Time: time.Now()})
	if e := <-s.ch; e.Kind != wire.EventMemberFail || e.Seq != eventsKept+7 {
		t.Fatalf("next event %+v, want the member.fail numbered %d", e, eventsKept+7)
	}
}

// gatedWriter is a client that does not read: its first write waits
// until the gate opens.
type gatedWriter struct {
	h    http.Header
	gate chan struct{}
	once sync.Once
	mu   sync.Mutex
	body strings.Builder
}

func (w *gatedWriter) Header() http.Header { return w.h }
func (w *gatedWriter) WriteHeader(int)     {}
func (w *gatedWriter) Flush()              {}
func (w *gatedWriter) Write(b []byte) (int, error) {
	w.once.Do(func() { <-w.gate })
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.body.Write(b)
}

// A stream whose client stops reading ends with a lagged event once the
// client reads again, and the daemon never waited for it.
func TestEventStreamEndsWithLagged(t *testing.T) {
	d := &Daemon{opts: Options{Node: "n1"}, bus: newEventBus()}
	w := &gatedWriter{h: http.Header{}, gate: make(chan struct{})}
	req := httptest.NewRequest("GET", "/v1/events", nil)
	ended := make(chan struct{})
	go func() { d.handleEvents(w, req); close(ended) }()
	waitSubscribers(d.bus, 1)
	for i := 0; i < 2*subscriberBuffer; i++ {
		d.emit(wire.Event{Kind: wire.EventDecision, Service: "web"})
	}
	close(w.gate)
	select {
	case <-ended:
	case <-time.After(5 * time.Second):
		t.Fatal("the stream did not end")
	}
	lines := strings.Split(strings.TrimSpace(w.body.String()), "\n")
	last := lines[len(lines)-1]
	if !strings.Contains(last, `"kind":"lagged"`) || !strings.Contains(last, "fell") {
		t.Fatalf("the stream's last line is %s, want a lagged event", last)
	}
	if len(lines) > subscriberBuffer+2 {
		t.Fatalf("%d lines: more than the buffer and the lagged event", len(lines))
	}
}

// A stream outlives the API server's read and write timeouts: each
// event has a write deadline of its own.
func TestEventStreamOutlivesTheServerTimeouts(t *testing.T) {
	dir := t.TempDir()
	d := &Daemon{opts: Options{Node: "n1", StateDir: dir}, bus: newEventBus()}
	ln, err := listenUnix(wire.SocketPath(dir))
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /v1/mon", func(w http.ResponseWriter, r *http.Request) { writeJSON(w, &wire.MonView{Node: "n1"}) })
	mux.HandleFunc("GET /v1/events", d.handleEvents)
	srv := limitedServer(mux, 200*time.Millisecond, 200*time.Millisecond)
	go srv.Serve(ln)
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := wire.Connect(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	got := make(chan wire.Event, 10)
	go c.Events(ctx, wire.EventsRequest{}, func(e wire.Event) error { got <- e; return nil })
	waitSubscribers(d.bus, 1)
	d.emit(wire.Event{Kind: wire.EventMemberFail, Peer: "n2"})
	time.Sleep(600 * time.Millisecond) // past both timeouts
	d.emit(wire.Event{Kind: wire.EventDecision, Service: "web", Action: "start"})
	for _, want := range []wire.EventKind{wire.EventMemberFail, wire.EventDecision} {
		select {
		case e := <-got:
			if e.Kind != want || e.Node != "n1" {
				t.Fatalf("got %+v, want a %s of n1", e, want)
			}
		case <-ctx.Done():
			t.Fatalf("no %s", want)
		}
	}
}

// waitSubscribers waits until b has n subscribers.
func waitSubscribers(b *eventBus, n int) {
	for {
		b.mu.Lock()
		got := len(b.subs)
		b.mu.Unlock()
		if got == n {
			return
		}
		time.Sleep(time.Millisecond)
	}
}
