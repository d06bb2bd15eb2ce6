package daemon

import (
	"sync"
	"time"

	"github.com/omhcl/omhcl/wire"
)

// Reports are polled when they change, not every monitor interval: each
// beacon answer carries the digest of the answerer's report
// (reportDigest), and a node polls a peer whose digest differs from the
// report it holds. An unchanged digest in an answer to an ask sent at t
// makes the report held current news as of t: its freshness (peerFresh)
// counts from there. Peers are still polled every monitor interval while
// their beacons do not confirm their reports (a lossy link, a peer
// without beacons), and every idle round in any case.

// peerDigests keeps, per peer, the last digest its beacon answers
// carried and the send time of the ask answered.
type peerDigests struct {
	mu sync.Mutex
	by map[string]advertised
}

type advertised struct {
	digest uint64
	sent   time.Time
}

func newPeerDigests() *peerDigests { return &peerDigests{by: map[string]advertised{}} }

// note records a digest peer advertised in its answer to an ask sent at
// sent; an answer to an older ask changes nothing.
func (p *peerDigests) note(peer string, digest uint64, sent time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if a, ok := p.by[peer]; ok && !sent.After(a.sent) {
		return
	}
	p.by[peer] = advertised{digest, sent}
}

func (p *peerDigests) get(peer string) (advertised, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	a, ok := p.by[peer]
	return a, ok
}

// confirmedAt is until when report r of peer is known current: when it
// was received, or later, the send time of an ask whose answer carried
// the same digest.
func (d *Daemon) confirmedAt(peer string, r *wire.NodeReport) time.Time {
	at := r.Received
	if a, ok := d.peerDigests.get(peer); ok && a.digest == r.Digest && a.sent.After(at) {
		at = a.sent
	}
	return at
}

// quorumFor is how long peer had held its quorum when its report r was
// last confirmed: the digest covers its quorum epoch, so an unchanged one
// means no break since.
func (d *Daemon) quorumFor(peer string, r *wire.NodeReport) time.Duration {
	q := time.Duration(r.QuorumForMs) * time.Millisecond
	if !r.Quorum {
		return 0
	}
	return q + max(d.confirmedAt(peer, r).Sub(r.Received), 0)
}

// pollDue says whether peer's report should be asked for now: none yet,
// its beacons advertise another, they have not confirmed it for half a
// lease, or it is older than an idle round.
func (d *Daemon) pollDue(peer string, now time.Time) bool {
	d.mu.Lock()
	r := d.reports[peer]
	d.mu.Unlock()
	return d.reportDue(peer, r, now)
}

func (d *Daemon) reportDue(peer string, r *wire.NodeReport, now time.Time) bool {
	if r == nil || now.Sub(r.Received) > d.timings.IdleRound() {
		return true
	}
	a, ok := d.peerDigests.get(peer)
	if ok && a.digest != r.Digest && a.sent.After(r.Sent) {
		return true
	}
	return now.Sub(d.confirmedAt(peer, r)) > d.timings.Lease/2
}

// advertisedNew is told of a digest in a beacon answer: a report that
// changed (reportDue) is asked for at once. The beacons never wait for
// the daemon's lock: when a round holds it, the next tick's checkPolls
// finds the new digest.
func (d *Daemon) advertisedNew(peer string, digest uint64, sent time.Time) {
	d.peerDigests.note(peer, digest, sent)
	if !d.mu.TryLock() {
		return
	}
	r := d.reports[peer]
	d.mu.Unlock()
	if d.reportDue(peer, r, time.Now()) {
		d.requestPoll()
	}
}

// requestPoll asks the poller for a pass now.
func (d *Daemon) requestPoll() {
	select {
	case d.pollNow <- struct{}{}:
	default:
	}
}
