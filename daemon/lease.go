package daemon

import (
	"sync"
	"time"
)

// leases are the quorum leases the peer API's report polls double as.
// When a peer answers this node's poll, this node holds a lease from it:
// the peer counts toward its quorum until the poll's send time plus the
// lease duration. The peer, in turn, records when it answered: it granted
// a lease. A lease is held from before it is granted, so the holder's
// view always runs out first; the majority acts on grants alone (see
// cluster.Timings), whatever serf says on either side.
type leases struct {
	mu      sync.Mutex
	started time.Time            // grants before this are unknown: count them as made then
	held    map[string]time.Time // peer -> send time of its last answered poll
	granted map[string]time.Time // peer -> when this node last answered its poll
}

func newLeases(started time.Time) *leases {
	return &leases{started: started, held: map[string]time.Time{}, granted: map[string]time.Time{}}
}

// renew records that peer answered a poll sent at sent.
func (l *leases) renew(peer string, sent time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if sent.After(l.held[peer]) {
		l.held[peer] = sent
	}
}

// grant records that this node answered peer's poll now.
func (l *leases) grant(peer string, now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.granted[peer] = now
}

// holds says whether this node holds a lease from peer at now.
func (l *leases) holds(peer string, now time.Time, ttl time.Duration) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	sent, ok := l.held[peer]
	return ok && now.Sub(sent) < ttl
}

// sinceGranted is how long ago this node last granted node a lease; a
// node it never answered counts from the daemon's start, since a daemon
// that restarted cannot know what it granted before.
func (l *leases) sinceGranted(node string, now time.Time) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	at := l.started
	if g := l.granted[node]; g.After(at) {
		at = g
	}
	return now.Sub(at)
}

// grants reports sinceGranted for each of nodes, in milliseconds, for
// this node's report to its peers.
func (l *leases) grants(nodes []string, now time.Time) map[string]int64 {
	out := make(map[string]int64, len(nodes))
	for _, n := range nodes {
		out[n] = l.sinceGranted(n, now).Milliseconds()
	}
	return out
}

// age is how old the lease this node holds from peer is (since the send
// time of its last answered ask); false when peer never answered.
func (l *leases) age(peer string, now time.Time) (time.Duration, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	sent, ok := l.held[peer]
	return now.Sub(sent), ok
}
