package daemon

import (
	"slices"
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
	views   map[string]grantView // peer -> its last word on its own grants
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
	return now.Sub(l.lastGranted(node))
}

// lastGranted is when this node last granted node a lease, or the
// daemon's start (see sinceGranted).
func (l *leases) lastGranted(node string) time.Time {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.lastGrantedLocked(node)
}

func (l *leases) lastGrantedLocked(node string) time.Time {
	if g := l.granted[node]; g.After(l.started) {
		return g
	}
	return l.started
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

// grantView is what a peer said of its grants: in its answer to an ask
// this node sent at sent and got back at received, how long ago it had
// last answered each node.
type grantView struct {
	sent, received time.Time
	ages           map[string]time.Duration
}

// heard records a peer's grants, from an answer to an ask sent at sent:
// a beacon's or a report poll's. An answer to an older ask changes
// nothing.
func (l *leases) heard(peer string, sent, received time.Time, agesMs map[string]int64) {
	if agesMs == nil {
		return
	}
	ages := make(map[string]time.Duration, len(agesMs))
	for n, ms := range agesMs {
		ages[n] = time.Duration(ms) * time.Millisecond
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.views == nil {
		l.views = map[string]grantView{}
	}
	if v, ok := l.views[peer]; ok && !sent.After(v.sent) {
		return
	}
	l.views[peer] = grantView{sent: sent, received: received, ages: ages}
}

// ungranted says whether there was a moment, by now, when neither this
// node nor any of peers had answered node for wait: then node held no
// lease from any of them (a lease runs out a Lease after the ask it
// answers was sent, and that ask came before the answer), and has fenced
// if it lacked a majority without them. A peer's answer tells of its
// grants up to when it answered, somewhere between the ask's send time
// and its receipt: its last grant to node was at the latest received -
// age, and nothing is known after sent. So the moment must come after
// every last grant plus wait, and before every peer's sent. Due is the
// earliest the answer can be yes as far as this node knows: the last
// grant it knows of, its own or a peer's, plus wait.
func (l *leases) ungranted(node string, peers []string, wait time.Duration, now time.Time) (ok bool, due time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	last := l.lastGrantedLocked(node)
	latest := now // the moment may be as late as now, or each peer's sent
	known := true
	for _, p := range peers {
		v, heard := l.views[p]
		age, has := v.ages[node]
		if !heard || !has {
			known = false
			continue
		}
		if g := v.received.Add(-age); g.After(last) {
			last = g
		}
		if v.sent.Before(latest) {
			latest = v.sent
		}
	}
	due = last.Add(wait)
	return known && !due.After(latest), due
}

// knownNodes lists the cluster's nodes, for the grant ages a beacon
// answer carries: a copy each round keeps, so that the beacons never wait
// for the daemon's lock (a round may hold it while the disk is slow).
func (d *Daemon) knownNodes() []string {
	if p := d.nodesSeen.Load(); p != nil {
		return *p
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	return slices.Clone(d.cluster.Nodes)
}

// firstEnd is when the first of the leases this node holds now runs out
// (a peer's or an arbitrator's); false when it holds none.
func (l *leases) firstEnd(now time.Time, ttl time.Duration) (time.Time, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	var first time.Time
	for _, sent := range l.held {
		end := sent.Add(ttl)
		if end.After(now) && (first.IsZero() || end.Before(first)) {
			first = end
		}
	}
	return first, !first.IsZero()
}
