package daemon

import (
	"sync"
	"time"
)

// expiryWatch makes a takeover wait no longer than the leases require. A
// lost node's leases can be proven run out (leasesExpired) at a known
// moment: the last grant to it this node knows of plus the takeover wait,
// given a word from each peer sent after that. The watch sends the
// beacons at that moment instead of at the next tick, and while it waits
// for their answers, each answer runs a round at once instead of at the
// next round. A node that kept asking meanwhile moved its moment on: the
// watch then sleeps again, and sends nothing.
type expiryWatch struct {
	mu       sync.Mutex
	timer    *time.Timer
	at       time.Time       // when timer fires; zero when it is not armed
	watched  map[string]bool // nodes not proven gone yet: dueOf gives their moment
	lastKick time.Time
	wakeTill time.Time // answers until then wake a round
	minGap   time.Duration
	kick     func()                              // sends the beacons now
	dueOf    func(node string) (time.Time, bool) // a node's moment now; false: no longer watched
}

func newExpiryWatch(kick func(), dueOf func(node string) (time.Time, bool), minGap time.Duration) *expiryWatch {
	w := &expiryWatch{kick: kick, dueOf: dueOf, minGap: minGap, watched: map[string]bool{}}
	w.timer = time.AfterFunc(time.Hour, w.fire)
	w.timer.Stop()
	return w
}

// watch is told that a node's leases are not proven run out yet, and
// when they may be (due): at due, or now if due has passed (only a
// peer's news since is missing), the beacons go.
func (w *expiryWatch) watch(node string, due, now time.Time) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.watched[node] = true
	if due.After(now) {
		w.armLocked(due, now)
		return
	}
	w.kickLocked(now)
}

func (w *expiryWatch) armLocked(at, now time.Time) {
	if w.at.IsZero() || at.Before(w.at) || !w.at.After(now) {
		w.at = at
		w.timer.Reset(at.Sub(now))
	}
}

// fire looks at the watched nodes' moments again: one that came sends
// the beacons, the others arm the timer for the next.
func (w *expiryWatch) fire() {
	w.mu.Lock()
	nodes := make([]string, 0, len(w.watched))
	for n := range w.watched {
		nodes = append(nodes, n)
	}
	w.at = time.Time{}
	w.mu.Unlock()
	now := time.Now()
	var next time.Time
	came := false
	for _, n := range nodes {
		due, ok := w.dueOf(n) // outside w.mu: it takes the daemon's locks
		switch {
		case !ok:
			w.mu.Lock()
			delete(w.watched, n)
			w.mu.Unlock()
		case !due.After(now):
			came = true
		case next.IsZero() || due.Before(next):
			next = due
		}
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if came {
		w.kickLocked(now)
	}
	if !next.IsZero() {
		w.armLocked(next, now)
	}
}

func (w *expiryWatch) kickLocked(now time.Time) {
	if now.Sub(w.lastKick) < w.minGap {
		return // asked for a moment ago: its answers are on their way
	}
	w.lastKick = now
	w.wakeTill = now.Add(4 * w.minGap)
	w.kick()
}

// answered says whether a beacon answer received now should run a round.
func (w *expiryWatch) answered(now time.Time) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return now.Before(w.wakeTill)
}
