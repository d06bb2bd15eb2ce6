package daemon

import (
	"sync"
	"time"
)

// expiryWatch makes a takeover wait no longer than the leases require. A
// lost node's leases can be proven run out (leasesExpired) at a known
// moment: this node's last grant to it plus the takeover wait, given a
// word from each peer sent after that. The watch sends the beacons at
// that moment instead of at the next tick, and while it waits for their
// answers, each answer runs a round at once instead of at the next
// monitor interval.
type expiryWatch struct {
	mu       sync.Mutex
	timer    *time.Timer
	at       time.Time // when timer fires; zero when it is not armed
	lastKick time.Time
	wakeTill time.Time // answers until then wake a round
	minGap   time.Duration
	kick     func() // sends the beacons now
}

func newExpiryWatch(kick func(), minGap time.Duration) *expiryWatch {
	w := &expiryWatch{kick: kick, minGap: minGap}
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
	if due.After(now) {
		if w.at.IsZero() || due.Before(w.at) || !w.at.After(now) {
			w.at = due
			w.timer.Reset(due.Sub(now))
		}
		return
	}
	if now.Sub(w.lastKick) < w.minGap {
		return // asked for a moment ago: its answers are on their way
	}
	w.kickLocked(now)
}

func (w *expiryWatch) fire() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.at = time.Time{}
	w.kickLocked(time.Now())
}

func (w *expiryWatch) kickLocked(now time.Time) {
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
