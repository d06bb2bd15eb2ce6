package daemon

import (
	"errors"
	"sync"
	"time"

	"github.com/omhcl/omhcl/wire"
)

// eventBus publishes what happens on the node (wire.Event) as it happens:
// to the streams of om events (GET /v1/events) and to hooks (the
// metrics' counters). Publishing never waits on a reader: each subscriber
// has a bounded buffer, and one that falls behind is dropped, its stream
// ended with an EventLagged. The last events are kept for a replay.
type eventBus struct {
	mu     sync.Mutex
	seq    uint64
	subs   map[*eventSub]struct{}
	hooks  []func(wire.Event)
	recent []wire.Event // the last eventsKept, oldest first once full
	next   int          // where the next one goes in recent, once full
}

// eventSub is one subscriber: its channel is closed when it unsubscribes
// or lags (then lagged says how far behind it was).
type eventSub struct {
	ch     chan wire.Event
	filter wire.EventsRequest
	lagged int
}

const (
	// eventsKept are the events kept for a replay (om events --since).
	eventsKept = 512
	// subscriberBuffer bounds what a subscriber may leave unread before
	// it is dropped.
	subscriberBuffer = 256
	// maxSubscribers bounds the streams open at once.
	maxSubscribers = 64
)

var errTooManySubscribers = errors.New("too many event streams open")

func newEventBus() *eventBus {
	return &eventBus{subs: map[*eventSub]struct{}{}}
}

// hook calls f with every event published from now on, in the
// publisher's goroutine: f must be quick and never block.
func (b *eventBus) hook(f func(wire.Event)) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.hooks = append(b.hooks, f)
}

// publish numbers e and hands it to the subscribers and hooks.
func (b *eventBus) publish(e wire.Event) {
	if b == nil {
		return
	}
	b.mu.Lock()
	b.seq++
	e.Seq = b.seq
	if len(b.recent) < eventsKept {
		b.recent = append(b.recent, e)
	} else {
		b.recent[b.next] = e
		b.next = (b.next + 1) % eventsKept
	}
	for s := range b.subs {
		if !s.filter.Match(e) {
			continue
		}
		select {
		case s.ch <- e:
		default: // a slow reader: dropped, never waited for
			s.lagged = len(s.ch) + 1
			delete(b.subs, s)
			close(s.ch)
		}
	}
	hooks := b.hooks
	b.mu.Unlock()
	for _, h := range hooks {
		h(e)
	}
}

// subscribe opens a stream of the events f selects, with the kept ones
// younger than f.Since to replay first.
func (b *eventBus) subscribe(f wire.EventsRequest) (*eventSub, []wire.Event, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.subs) >= maxSubscribers {
		return nil, nil, errTooManySubscribers
	}
	var replay []wire.Event
	if f.Since > 0 {
		from := time.Now().Add(-f.Since)
		for i := range b.recent {
			e := b.recent[(b.next+i)%len(b.recent)]
			if e.Time.After(from) && f.Match(e) {
				replay = append(replay, e)
			}
		}
	}
	s := &eventSub{ch: make(chan wire.Event, subscriberBuffer), filter: f}
	b.subs[s] = struct{}{}
	return s, replay, nil
}

// unsubscribe closes s's stream, unless it lagged and is closed already.
func (b *eventBus) unsubscribe(s *eventSub) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if _, ok := b.subs[s]; ok {
		delete(b.subs, s)
		close(s.ch)
	}
}

// emit publishes e as this node's, now.
func (d *Daemon) emit(e wire.Event) {
	e.Time, e.Node = time.Now(), d.opts.Node
	d.bus.publish(e)
}
