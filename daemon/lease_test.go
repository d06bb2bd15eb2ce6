package daemon

import (
	"testing"
	"time"

	"github.com/omhcl/omhcl/cluster"
	"github.com/omhcl/omhcl/wire"
)

func TestLeaseRunsFromTheSendTime(t *testing.T) {
	t0 := time.Now()
	l := newLeases(t0)
	ttl := 800 * time.Millisecond
	if l.holds("node2", t0, ttl) {
		t.Fatal("a lease held before any answer")
	}
	l.renew("node2", t0.Add(100*time.Millisecond))
	l.renew("node2", t0) // a slow answer to an older poll renews nothing
	if !l.holds("node2", t0.Add(899*time.Millisecond), ttl) {
		t.Fatal("lease lost before its term")
	}
	if l.holds("node2", t0.Add(900*time.Millisecond), ttl) {
		t.Fatal("lease held past send time + ttl")
	}
}

func TestGrantsCountFromTheDaemonStart(t *testing.T) {
	t0 := time.Now()
	l := newLeases(t0)
	if got := l.sinceGranted("node1", t0.Add(2*time.Second)); got != 2*time.Second {
		t.Fatalf("never granted: %s since, want the time since the start (2s)", got)
	}
	l.grant("node1", t0.Add(1500*time.Millisecond))
	g := l.grants([]string{"node1", "node3"}, t0.Add(2*time.Second))
	if g["node1"] != 500 || g["node3"] != 2000 {
		t.Fatalf("grants = %v, want node1 500 ms, node3 2000 ms", g)
	}
}

// leaseDaemon is node2 of a 3-node cluster, with the fast timings.
func leaseDaemon(t *testing.T) *Daemon {
	tm, err := (&cluster.Config{Profile: "fast"}).Timings()
	if err != nil {
		t.Fatal(err)
	}
	started := time.Now().Add(-time.Minute)
	d := &Daemon{
		opts: Options{Node: "node2"}, timings: tm, started: started, leases: newLeases(started),
		cluster: &cluster.Config{Nodes: []string{"node1", "node2", "node3"}},
		reports: map[string]*wire.NodeReport{},
	}
	d.members = &membership{d: d, byID: map[string]*member{"node1": {Name: "node1"}, "node2": {Name: "node2"}, "node3": {Name: "node3"}}}
	d.expiry = newExpiryWatch(func() {}, d.leaseDue, tm.Beacon/2)
	d.peerDigests = newPeerDigests()
	return d
}

func TestQuorumCountsLeasesNotSerf(t *testing.T) {
	d := leaseDaemon(t)
	if d.votes().Quorum() {
		t.Fatal("quorum without any lease")
	}
	d.leases.renew("node3", time.Now())
	if !d.votes().Quorum() {
		t.Fatal("no quorum with a lease from node3")
	}
	d.leases.renew("node1", time.Now().Add(-d.timings.Lease))
	if v := d.votes(); v.Alive != 2 {
		t.Fatalf("alive = %d, want 2: node1's lease ran out", v.Alive)
	}
}

func TestTakeoverWaitsForEveryMajorityGrantToExpire(t *testing.T) {
	d := leaseDaemon(t)
	wait := d.timings.TakeoverAfter()
	members := map[string]member{"node1": {Name: "node1", Status: "failed"}, "node2": {Name: "node2"}, "node3": {Name: "node3"}}
	now := time.Now()
	d.leases.renew("node3", now)
	// node3 answered an ask sent sentAgo, saying it last answered node1
	// ms before.
	heard := func(sentAgo time.Duration, grants map[string]int64) {
		d.leases.views = nil
		sent := now.Add(-sentAgo)
		d.leases.heard("node3", sent, sent.Add(time.Millisecond), grants)
	}

	d.leases.grant("node1", now.Add(-wait+50*time.Millisecond))
	heard(0, map[string]int64{"node1": wait.Milliseconds() * 2})
	if d.leasesExpired("node1", members) {
		t.Fatal("expired while this node answered node1 within the takeover wait")
	}
	d.leases.grant("node1", now.Add(-wait-time.Millisecond))
	heard(0, map[string]int64{"node1": wait.Milliseconds() - 10})
	if d.leasesExpired("node1", members) {
		t.Fatal("expired while node3 answered node1 within the takeover wait: node1 may hold quorum with node3")
	}
	heard(0, map[string]int64{"node4": 0})
	if d.leasesExpired("node1", members) {
		t.Fatal("expired on an answer that says nothing of node1")
	}
	heard(0, map[string]int64{"node1": wait.Milliseconds() + 5})
	if !d.leasesExpired("node1", members) {
		t.Fatal("not expired once neither side answered node1 for the takeover wait")
	}
	// node3's word is from before the moment this node's own wait ended:
	// it may have answered node1 since, and node1 never lacked a lease.
	heard(100*time.Millisecond, map[string]int64{"node1": 2 * wait.Milliseconds()})
	if d.leasesExpired("node1", members) {
		t.Fatal("expired on a peer's word older than this node's own wait: no moment is known when both had stopped answering node1")
	}
	// A peer this node holds no lease from is not on its side: its word
	// is not needed (and it cannot give node1 a majority).
	d.leases = newLeases(d.started)
	d.leases.grant("node1", now.Add(-wait))
	if !d.leasesExpired("node1", members) {
		t.Fatal("a peer off this side held up the takeover")
	}
}

// The takeover comes as soon as the leases allow: when this node's own
// wait ends, the beacons go at once for the peers' news, not at the next
// tick.
func TestExpiryAsksThePeersAtOnce(t *testing.T) {
	d := leaseDaemon(t)
	kicks := make(chan struct{}, 10)
	d.expiry = newExpiryWatch(func() { kicks <- struct{}{} }, d.leaseDue, d.timings.Beacon/2)
	members := map[string]member{"node1": {Name: "node1"}, "node2": {Name: "node2"}, "node3": {Name: "node3"}}
	wait := d.timings.TakeoverAfter()
	d.leases.renew("node3", time.Now())
	d.leases.grant("node1", time.Now().Add(-wait+30*time.Millisecond))
	if d.leasesExpired("node1", members) {
		t.Fatal("expired before the wait")
	}
	select {
	case <-kicks:
		t.Fatal("beacons asked for before the wait ended")
	default:
	}
	select {
	case <-kicks:
	case <-time.After(time.Second):
		t.Fatal("no beacons asked for when the wait ended")
	}
	if !d.expiry.answered(time.Now()) {
		t.Fatal("answers to the beacons the watch asked for do not run a round")
	}
}

// A node with longer timings than this one (set on that node only) is
// waited for by its own takeover wait, as its last report gives it.
func TestTakeoverWaitsByTheLostNodesTimings(t *testing.T) {
	d := leaseDaemon(t)
	members := map[string]member{"node1": {Name: "node1", Status: "failed"}, "node2": {Name: "node2"}}
	own := d.timings.TakeoverAfter()
	d.leases.grant("node1", time.Now().Add(-own-100*time.Millisecond))
	if !d.leasesExpired("node1", members) {
		t.Fatal("not expired after this node's takeover wait")
	}
	d.reports["node1"] = &wire.NodeReport{Node: "node1", TakeoverWaitMs: (own + time.Second).Milliseconds()}
	if d.leasesExpired("node1", members) {
		t.Fatal("expired before the lost node's own, longer, takeover wait")
	}
}
