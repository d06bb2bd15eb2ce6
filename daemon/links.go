package daemon

import (
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/omhcl/omhcl/cluster"
	"github.com/omhcl/omhcl/wire"
)

// linkStats keeps the beacons this node sent: the asks awaiting an
// answer, by nonce, and per peer which were answered in time, for the
// link's loss rate.
type linkStats struct {
	mu     sync.Mutex
	asks   map[uint64]*askRecord
	byPeer map[string][]*askRecord // in send order
}

type askRecord struct {
	peer     string
	at       time.Time
	answered bool
}

func newLinkStats() *linkStats {
	return &linkStats{asks: map[uint64]*askRecord{}, byPeer: map[string][]*askRecord{}}
}

// add records an ask to peer sent at at and returns its nonce.
func (l *linkStats) add(peer string, at time.Time) uint64 {
	var buf [8]byte
	rand.Read(buf[:])
	n := binary.LittleEndian.Uint64(buf[:])
	rec := &askRecord{peer: peer, at: at}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.asks[n] = rec
	l.byPeer[peer] = append(l.byPeer[peer], rec)
	return n
}

// take returns the send time of the ask an answer from peer refers to,
// once: a replayed answer matches nothing.
func (l *linkStats) take(peer string, nonce uint64) (time.Time, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	rec, ok := l.asks[nonce]
	if !ok || rec.peer != peer {
		return time.Time{}, false
	}
	delete(l.asks, nonce)
	rec.answered = true
	return rec.at, true
}

// unanswered says whether the last ask sent to peer awaits its answer.
func (l *linkStats) unanswered(peer string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return lastUnanswered(l.byPeer[peer])
}

// anyUnanswered says whether the last ask to some peer awaits its answer.
func (l *linkStats) anyUnanswered() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, recs := range l.byPeer {
		if lastUnanswered(recs) {
			return true
		}
	}
	return false
}

// lastUnanswered says whether the last of recs (a peer's asks, in send
// order) awaits its answer.
func lastUnanswered(recs []*askRecord) bool {
	return len(recs) > 0 && !recs[len(recs)-1].answered
}

// expire forgets asks older than lease (an answer would renew nothing:
// they count as lost) and history older than lease + window.
func (l *linkStats) expire(now time.Time, lease, window time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for n, rec := range l.asks {
		if now.Sub(rec.at) >= lease {
			delete(l.asks, n)
		}
	}
	for peer, recs := range l.byPeer {
		i := 0
		for i < len(recs) && now.Sub(recs[i].at) > lease+window {
			i++
		}
		l.byPeer[peer] = recs[i:]
	}
}

// loss is the share of the asks to peer sent over window, up to a lease
// ago (younger ones may still be answered), that got no answer; ok is
// false when too few were sent to tell.
func (l *linkStats) loss(peer string, now time.Time, lease, window, every time.Duration) (float64, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	sent, lost := 0, 0
	for _, rec := range l.byPeer[peer] {
		age := now.Sub(rec.at)
		if age < lease || age > lease+window {
			continue
		}
		sent++
		if !rec.answered {
			lost++
		}
	}
	if sent == 0 || time.Duration(sent)*every < window/2 {
		return 0, false
	}
	return float64(lost) / float64(sent), true
}

// A degraded link: a node that loses degradedLoss or more of its beacons
// to every peer, while its peers reach one another with at most
// healthyLoss, hands its services over (as after a fence, it is held
// down). Its clients suffer the same loss: a peer with a clean link
// serves them better. Where every link is lossy, nothing moves.
const (
	degradedLoss = 0.15
	healthyLoss  = 0.05
)

// linkWindow is the span the loss rates are measured over: long enough
// that a pause of the daemon or a short burst of loss moves nothing.
func linkWindow(t cluster.Timings) time.Duration { return 6 * t.Lease }

// linkLoss returns this node's beacon loss to each peer, in percent, for
// its report; peers with too few beacons to tell are left out.
func (d *Daemon) linkLoss(peers []string, now time.Time) map[string]int {
	out := map[string]int{}
	for _, p := range peers {
		if p == d.opts.Node {
			continue
		}
		if loss, ok := d.links.loss(p, now, d.timings.Lease, linkWindow(d.timings), d.timings.Beacon); ok {
			out[p] = int(loss*100 + 0.5)
		}
	}
	return out
}

// checkLink holds this node down while its link is degraded: lossy to
// every alive peer, while some peer's report shows it reaching another
// node cleanly. It records and returns why, "" when the link is fine.
func (d *Daemon) checkLink(members map[string]member) string {
	why := d.linkVerdict(members)
	d.mu.Lock()
	defer d.mu.Unlock()
	d.degraded = why
	if why == "" {
		return ""
	}
	now := time.Now()
	if !now.Before(d.heldUntil) {
		d.warnf("%s: this node yields its services to them, for %s once the link is clean", why, d.timings.HoldDown)
		d.emit(wire.Event{Kind: wire.EventLinkDegraded, Reason: why})
		d.emit(wire.Event{Kind: wire.EventHeld, Reason: "link degraded", Duration: d.timings.HoldDown.Seconds()})
	}
	d.heldUntil = now.Add(d.timings.HoldDown)
	return why
}

// linkVerdict says why this node's link is degraded, "" when it is not.
func (d *Daemon) linkVerdict(members map[string]member) string {
	now := time.Now()
	var peers []string
	for name, m := range members {
		if name != d.opts.Node && m.Status == "alive" {
			peers = append(peers, name)
		}
	}
	if len(peers) < 2 {
		return "" // two nodes cannot tell whose link is lossy
	}
	slices.Sort(peers)
	mine := d.linkLoss(peers, now)
	var seen []string
	for _, p := range peers {
		loss, ok := mine[p]
		if !ok || float64(loss)/100 < degradedLoss {
			return ""
		}
		seen = append(seen, fmt.Sprintf("%d %% to %s", loss, p))
	}
	if !d.peersReachEachOther(peers, now) {
		return ""
	}
	return "link degraded: " + strings.Join(seen, ", ") + " of lease beacons unanswered, while the peers reach one another"
}

// peersReachEachOther says whether some peer's fresh report shows a clean
// link to another peer.
func (d *Daemon) peersReachEachOther(peers []string, now time.Time) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, p := range peers {
		r := d.reports[p]
		if r == nil || now.Sub(r.Received) > linkWindow(d.timings) {
			continue
		}
		for q, loss := range r.LinkLoss {
			if q != d.opts.Node && slices.Contains(peers, q) && float64(loss)/100 <= healthyLoss {
				return true
			}
		}
	}
	return false
}
