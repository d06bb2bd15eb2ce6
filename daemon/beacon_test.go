package daemon

import (
	"context"
	"math/rand/v2"
	"net"
	"testing"
	"time"

	"github.com/omhcl/omhcl/cluster"
	"github.com/omhcl/omhcl/wire"
)

// lossyConn drops a share of the datagrams it sends.
type lossyConn struct {
	net.PacketConn
	drop float64
}

func (c lossyConn) WriteTo(p []byte, addr net.Addr) (int, error) {
	if rand.Float64() < c.drop {
		return len(p), nil
	}
	return c.PacketConn.WriteTo(p, addr)
}

// beaconDaemon is a daemon with the fast timings and just enough state
// for beacons, on a lossy loopback socket.
func beaconDaemon(t *testing.T, node, secret string, drop float64) (*Daemon, net.PacketConn) {
	tm, err := (&cluster.Config{Profile: "fast"}).Timings()
	if err != nil {
		t.Fatal(err)
	}
	conn, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	started := time.Now()
	d := &Daemon{opts: Options{Node: node, Log: testLog{t}}, timings: tm, started: started, leases: newLeases(started),
		links: newLinkStats(), cluster: &cluster.Config{Secret: secret}, beaconNow: make(chan struct{}, 1), roundNow: make(chan struct{}, 1)}
	d.expiry = newExpiryWatch(func() {}, nil, tm.Beacon/2)
	d.members = &membership{d: d, byID: map[string]*member{}}
	return d, lossyConn{conn, drop}
}

type testLog struct{ t *testing.T }

func (l testLog) Write(b []byte) (int, error) { l.t.Logf("%s", b); return len(b), nil }

// knows makes d beacon to peer at conn's address.
func knows(d *Daemon, peer string, conn net.PacketConn) {
	a := conn.LocalAddr().(*net.UDPAddr)
	d.members.byID[peer] = &member{Name: peer, Status: "alive", Addr: a.IP, PeerPort: a.Port}
}

// beaconPair runs beacons between node1 and node2 (with their secrets),
// each dropping drop of the datagrams it sends, until the test ends.
func beaconPair(t *testing.T, secret1, secret2 string, drop float64) (*Daemon, *Daemon) {
	d1, c1 := beaconDaemon(t, "node1", secret1, drop)
	d2, c2 := beaconDaemon(t, "node2", secret2, drop)
	knows(d1, "node2", c2)
	knows(d2, "node1", c1)
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	go d1.beacons(ctx, c1)
	go d2.beacons(ctx, c2)
	return d1, d2
}

// At 30 % loss each way, a report poll every monitor interval loses the
// lease within seconds (issue 6); beacons keep it without a break.
func TestBeaconsHoldTheLeaseThroughLoss(t *testing.T) {
	const secret = "0123456789abcdef0123456789abcdef"
	d1, d2 := beaconPair(t, secret, secret, 0.3)
	time.Sleep(d1.timings.Lease / 2)
	var lost int
	deadline := time.Now().Add(4 * time.Second)
	for time.Now().Before(deadline) {
		now := time.Now()
		if !d1.leases.holds("node2", now, d1.timings.Lease) || !d2.leases.holds("node1", now, d2.timings.Lease) {
			lost++
		}
		time.Sleep(5 * time.Millisecond)
	}
	if lost > 0 {
		t.Fatalf("a lease was lost in %d samples over 4 s at 30 %% loss", lost)
	}
	if g := d2.leases.sinceGranted("node1", time.Now()); g > d2.timings.Lease {
		t.Fatalf("node2 last granted node1 a lease %s ago", g)
	}
}

// A beacon signed with another secret grants and renews nothing.
func TestBeaconsOfStrangersAreIgnored(t *testing.T) {
	d1, d2 := beaconPair(t, "0123456789abcdef0123456789abcdef", "fedcba9876543210fedcba9876543210", 0)
	time.Sleep(10 * d1.timings.FenceCheck())
	now := time.Now()
	if d1.leases.holds("node2", now, d1.timings.Lease) || d2.leases.holds("node1", now, d2.timings.Lease) {
		t.Fatal("a lease from a node of another cluster")
	}
	if g := d2.leases.sinceGranted("node1", now); g < time.Since(d2.started)-time.Millisecond {
		t.Fatalf("node2 granted a stranger a lease %s ago", g)
	}
}

func TestBeaconRejectsTamperingAndReplaysRenewNothingNew(t *testing.T) {
	const secret = "0123456789abcdef0123456789abcdef"
	pkt := sealBeacon(secret, beacon{Kind: beaconAsk, From: "node1", To: "node2", Nonce: 7, Time: time.Now().UnixMilli()})
	if _, err := openBeacon(secret, pkt); err != nil {
		t.Fatalf("a sealed beacon does not open: %v", err)
	}
	tampered := append([]byte(nil), pkt...)
	tampered[10] ^= 1
	if _, err := openBeacon(secret, tampered); err == nil {
		t.Fatal("a tampered beacon opened")
	}
	o := newLinkStats()
	sent := time.Now()
	n := o.add("node2", sent)
	if _, ok := o.take("node3", n); ok {
		t.Fatal("an answer from another node matched the ask")
	}
	if at, ok := o.take("node2", n); !ok || !at.Equal(sent) {
		t.Fatal("the answer did not match its ask")
	}
	if _, ok := o.take("node2", n); ok {
		t.Fatal("a replayed answer matched an ask twice")
	}
}

// A recorded ask, replayed within the skew window, is not answered and
// grants nothing; the next real ask is.
func TestReplayedAsksAreRefused(t *testing.T) {
	const secret = "0123456789abcdef0123456789abcdef"
	d2, c2 := beaconDaemon(t, "node2", secret, 0)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go d2.answerBeacons(c2, d2.links, func() {})
	go func() { <-ctx.Done(); c2.Close() }()
	asker, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer asker.Close()
	answered := func(pkt []byte) bool {
		asker.WriteTo(pkt, c2.LocalAddr())
		asker.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
		buf := make([]byte, beaconMax)
		n, _, err := asker.ReadFrom(buf)
		return err == nil && n > 0
	}
	ask := func(at time.Time) []byte {
		return sealBeacon(secret, beacon{Kind: beaconAsk, From: "node1", To: "node2", Nonce: rand.Uint64(), Time: at.UnixMilli()})
	}
	first := ask(time.Now().Add(-time.Second))
	if !answered(first) {
		t.Fatal("a fresh ask was not answered")
	}
	granted := d2.leases.sinceGranted("node1", time.Now())
	time.Sleep(50 * time.Millisecond)
	if answered(first) {
		t.Error("a replayed ask was answered")
	}
	if g := d2.leases.sinceGranted("node1", time.Now()); g < granted {
		t.Errorf("a replayed ask granted a lease (%s ago, %s before the replay)", g, granted)
	}
	if !answered(ask(time.Now())) {
		t.Error("the next real ask was not answered")
	}
}

// A beacon answer's grant ages and report digest steer a takeover and
// the polls: they are believed only from an answer signed with the
// secret, to an ask this node sent, once. A forged answer and a replayed
// one change nothing.
func TestForgedOrReplayedAnswersTellNothing(t *testing.T) {
	const secret = "0123456789abcdef0123456789abcdef"
	d1, c1 := beaconDaemon(t, "node1", secret, 0)
	d1.peerDigests = newPeerDigests()
	d1.cluster.Nodes = []string{"node1", "node2", "node3"}
	go d1.answerBeacons(c1, d1.links, func() {})
	defer c1.Close()
	peer, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer peer.Close()
	nonce := d1.links.add("node2", time.Now())
	answer := func(secret string, n uint64) []byte {
		return sealBeacon(secret, beacon{Kind: beaconAnswer, From: "node2", To: "node1", Nonce: n, Time: time.Now().UnixMilli(),
			Grants: map[string]int64{"node3": 60_000}, Digest: 42})
	}
	told := func() bool {
		d1.leases.mu.Lock()
		_, grants := d1.leases.views["node2"]
		d1.leases.mu.Unlock()
		_, digest := d1.peerDigests.get("node2")
		return grants || digest || d1.leases.holds("node2", time.Now(), d1.timings.Lease)
	}
	peer.WriteTo(answer("fedcba9876543210fedcba9876543210", nonce), c1.LocalAddr())
	peer.WriteTo(answer(secret, nonce+1), c1.LocalAddr()) // no such ask
	time.Sleep(100 * time.Millisecond)
	if told() {
		t.Fatal("a forged answer, or one to no ask of this node, was believed")
	}
	real := answer(secret, nonce)
	peer.WriteTo(real, c1.LocalAddr())
	if !eventually(time.Second, told) {
		t.Fatal("the real answer was not believed")
	}
	d1.leases.mu.Lock()
	d1.leases.views = nil
	d1.leases.mu.Unlock()
	d1.peerDigests.mu.Lock()
	d1.peerDigests.by = map[string]advertised{}
	d1.peerDigests.mu.Unlock()
	peer.WriteTo(real, c1.LocalAddr()) // replayed
	time.Sleep(100 * time.Millisecond)
	d1.leases.mu.Lock()
	_, again := d1.leases.views["node2"]
	d1.leases.mu.Unlock()
	if _, digest := d1.peerDigests.get("node2"); again || digest {
		t.Fatal("a replayed answer was believed again")
	}
}

// The loss rate counts the asks of the window that got no answer within
// a lease, and says nothing on too few asks.
func TestLinkLossOverTheWindow(t *testing.T) {
	l := newLinkStats()
	lease, window, every := 800*time.Millisecond, 4800*time.Millisecond, 50*time.Millisecond
	t0 := time.Now()
	for i := range 96 { // 4.8 s of asks, one in four answered... not
		at := t0.Add(time.Duration(i) * every)
		n := l.add("node2", at)
		if i%4 != 0 {
			l.take("node2", n)
		}
	}
	now := t0.Add(window + lease)
	loss, ok := l.loss("node2", now, lease, window, every)
	if !ok || loss < 0.24 || loss > 0.26 {
		t.Fatalf("loss = %.2f (%v), want 0.25", loss, ok)
	}
	if _, ok := l.loss("node3", now, lease, window, every); ok {
		t.Fatal("a loss rate for a peer never asked")
	}
	l.expire(now.Add(window), lease, window)
	if _, ok := l.loss("node2", now.Add(window), lease, window, every); ok {
		t.Fatal("a loss rate from expired asks")
	}
}

// A node lossy to every peer, whose peers reach one another, is held
// down; a node lossy to one peer only, or where the peers' own link is
// lossy too, is not.
func TestDegradedLinkHoldsTheNodeDown(t *testing.T) {
	lossy := func(d *Daemon, peer string, share float64) {
		now := time.Now()
		for i := range 100 {
			at := now.Add(-d.timings.Lease - time.Duration(i)*d.timings.FenceCheck())
			n := d.links.add(peer, at)
			if float64(i%20)/20 >= share {
				d.links.take(peer, n)
			}
		}
	}
	members := map[string]member{"node1": {Status: "alive"}, "node2": {Status: "alive"}, "node3": {Status: "alive"}}
	for _, c := range []struct {
		name           string
		to2, to3, peer float64 // node1's loss to node2, to node3; node2's loss to node3
		held           bool
	}{
		{"lossy to every peer, peers clean", 0.3, 0.3, 0, true},
		{"lossy to one peer only", 0.3, 0, 0, false},
		{"every link lossy", 0.3, 0.3, 0.3, false},
		{"a little loss", 0.05, 0.05, 0, false},
	} {
		d := leaseDaemon(t)
		d.opts.Node, d.links, d.opts.Log = "node1", newLinkStats(), testLog{t}
		lossy(d, "node2", c.to2)
		lossy(d, "node3", c.to3)
		d.reports["node2"] = &wire.NodeReport{Received: time.Now(), LinkLoss: map[string]int{"node1": int(c.to2 * 100), "node3": int(c.peer * 100)}}
		why := d.checkLink(members)
		if held := d.heldDown(time.Now()); held != c.held || (why != "") != c.held {
			t.Errorf("%s: held down %v (%q), want %v", c.name, held, why, c.held)
		}
	}
}
