package daemon

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/omhcl/omhcl/lang"
	"github.com/omhcl/omhcl/plan"
	"github.com/omhcl/omhcl/providers"
)

// eventWatches subscribes to the event streams of the monitored
// resources whose drivers have one (providers.EventSource) and runs a
// round at once when one reports a change: a container that dies is seen
// in milliseconds, not at the next monitor interval.
type eventWatches struct {
	mu      sync.Mutex
	running map[string]context.CancelFunc // by watch key: service, rid, attributes
	broken  map[string]bool               // watches waiting to subscribe again
	wake    func()
	logf    func(string, ...any)
	retry   time.Duration
}

func newEventWatches(wake func(), logf func(string, ...any), retry time.Duration) *eventWatches {
	return &eventWatches{running: map[string]context.CancelFunc{}, broken: map[string]bool{}, wake: wake, logf: logf, retry: retry}
}

// eventSubject is a resource with an event stream, to watch.
type eventSubject struct {
	key string
	svc string // for the log: the driver's errors name the resource
	src providers.EventSource
}

// subjects lists the monitored resources of inst with an event stream,
// among those this node drives (li: not skipped). Inside the container of
// an encapsulated service the container itself is the node's: its engine
// is not even reachable from there. polled counts the other monitored
// resources: only a monitor round sees them change (a resource inside a
// container is asked through its agent).
func eventSubjects(svc string, inst *lang.Instance, li *plan.LiveInstance) (out []eventSubject, polled int) {
	for _, r := range inst.Resources {
		if !r.Common.Monitor || r.Common.Disable {
			continue
		}
		if lr := li.Resource(r.RID()); lr != nil && lr.Skipped != "" {
			continue
		}
		drv, err := plan.NewDriver(r)
		if err != nil {
			continue
		}
		if src, ok := drv.(providers.EventSource); ok && !r.Common.Encap {
			out = append(out, eventSubject{key: watchKey(svc, r), svc: svc, src: src})
		} else {
			polled++
		}
	}
	return out, polled
}

// watchKey changes when the resource's attributes do: a new configuration
// gets a new subscription.
func watchKey(svc string, r *providers.Resource) string {
	names := make([]string, 0, len(r.Attrs))
	for n := range r.Attrs {
		names = append(names, n)
	}
	sort.Strings(names)
	var b strings.Builder
	fmt.Fprintf(&b, "%s/%s", svc, r.RID())
	for _, n := range names {
		fmt.Fprintf(&b, " %s=%#v", n, r.Attrs[n])
	}
	return b.String()
}

// sync makes the running watches those of subjects: new ones start, the
// others stop.
func (w *eventWatches) sync(ctx context.Context, subjects []eventSubject) {
	w.mu.Lock()
	defer w.mu.Unlock()
	want := map[string]bool{}
	for _, s := range subjects {
		want[s.key] = true
		if _, ok := w.running[s.key]; ok {
			continue
		}
		wctx, cancel := context.WithCancel(ctx)
		w.running[s.key] = cancel
		go w.watch(wctx, s)
	}
	for key, cancel := range w.running {
		if !want[key] {
			cancel()
			delete(w.running, key)
		}
	}
}

// watch follows one resource's events, subscribing again after a break.
func (w *eventWatches) watch(ctx context.Context, s eventSubject) {
	var quiet breakLog
	for {
		began := time.Now()
		err := s.src.Events(ctx, w.wake)
		if ctx.Err() != nil {
			return
		}
		if n, ok := quiet.record(err, time.Since(began) > w.retry, time.Now()); ok {
			w.logf("%s: %v (%s; subscribing again every %s, the monitor rounds go on)", s.svc, err, n, w.retry)
		}
		w.setBroken(s.key, true) // until then, only a round sees the resource
		select {
		case <-ctx.Done():
			w.setBroken(s.key, false)
			return
		case <-time.After(w.retry):
		}
		w.setBroken(s.key, false)
		w.wake() // what changed while no stream was there
	}
}

func (w *eventWatches) setBroken(key string, broken bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if broken {
		w.broken[key] = true
	} else {
		delete(w.broken, key)
	}
}

// brokenCount is the number of watches without a stream now: their
// resources are polled by the rounds meanwhile (steady).
func (w *eventWatches) brokenCount() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.broken)
}

// count is the number of running watches.
func (w *eventWatches) count() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.running)
}
