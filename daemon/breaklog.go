package daemon

import (
	"fmt"
	"time"
)

// breakLog keeps a failure that repeats (an event stream whose libvirtd
// or engine is down for an hour, a rejoin of a node that is down) from
// writing a line a second: a failure is logged when it is new (another
// error, or it had held since the last), then once a minute while it
// repeats, with how many failed meanwhile.
type breakLog struct {
	last     string
	loggedAt time.Time
	failed   int
}

// breakLogEvery is how often a failure that repeats is logged again.
const breakLogEvery = time.Minute

// record notes a failure (held: what failed had held for a while before,
// a stream's subscription) and says whether to log it, and how to
// qualify it.
func (b *breakLog) record(err error, held bool, now time.Time) (string, bool) {
	msg := fmt.Sprint(err)
	b.failed++
	switch {
	case held || msg != b.last:
		b.last, b.loggedAt, b.failed = msg, now, 0
		return "broken", true
	case now.Sub(b.loggedAt) >= breakLogEvery:
		n := b.failed
		b.loggedAt, b.failed = now, 0
		return fmt.Sprintf("still broken: %d failed attempts since the last line", n), true
	}
	return "", false
}
