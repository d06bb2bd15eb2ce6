package daemon

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net"
	"time"
)

// Lease beacons renew quorum leases over UDP, on the peer API's port
// number. A report poll is one HTTP request: on a lossy link a lost SYN
// costs a second, and a node whose leases hang on polls alone fences and
// restarts its services in a loop. A beacon is one datagram each way,
// sent to every peer every fence check (a quarter of the monitor
// interval), so a lease of several monitor intervals spans a dozen
// independent tries: at 30 % loss each way, the chance that all of them
// fail is under one in ten thousand.
//
// The lease rules stay those of lease.go: the asker holds a lease from
// the send time of an ask that was answered, the answerer records a
// grant when it answers. Every datagram is signed with the cluster
// secret. A replayed ask is refused: a node's asks carry the time they
// were sent, one every fence check, and one not past the last answered
// is dropped (a reordered ask too: the next comes a fence check later;
// and a node whose clock stepped back gets no answer until it catches
// up, its report polls still renewing its leases). A replayed answer
// renews nothing: the asker looks its ask up by nonce, once.

const (
	beaconAsk    = "ask"
	beaconAnswer = "ans"
	// beaconMax bounds a datagram: under the Ethernet MTU, with a grant
	// age per node of a cluster of a few dozen.
	beaconMax = 1400
	// beaconSkew is the clock skew an ask may show, as for signed polls.
	beaconSkew = time.Minute
)

// beacon is one datagram's signed content.
type beacon struct {
	Kind  string `json:"k"`
	From  string `json:"f"`
	To    string `json:"t"`
	Nonce uint64 `json:"n"`
	Time  int64  `json:"ts"` // the sender's clock, unix milliseconds
	// Grants, in an answer: how many milliseconds ago the answerer last
	// answered each node it knows (leases.ungranted reads them).
	Grants map[string]int64 `json:"g,omitempty"`
	// Digest, in an answer: of the answerer's report (digest.go).
	Digest uint64 `json:"d,omitempty"`
}

// sealBeacon encodes b and appends its HMAC: "JSON\nHEX".
func sealBeacon(secret string, b beacon) []byte {
	body, _ := json.Marshal(b)
	return append(append(body, '\n'), hex.EncodeToString(beaconMAC(secret, body))...)
}

// openBeacon checks a datagram's HMAC and decodes it.
func openBeacon(secret string, pkt []byte) (beacon, error) {
	var b beacon
	body, mac, ok := bytes.Cut(pkt, []byte{'\n'})
	if !ok || len(pkt) > beaconMax {
		return b, errors.New("not a beacon")
	}
	want := hex.EncodeToString(beaconMAC(secret, body))
	if !hmac.Equal(mac, []byte(want)) {
		return b, errors.New("bad signature")
	}
	if err := json.Unmarshal(body, &b); err != nil {
		return b, err
	}
	return b, nil
}

func beaconMAC(secret string, body []byte) []byte {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte("lease beacon\n"))
	m.Write(body)
	return m.Sum(nil)
}

// beacons sends and answers lease beacons on conn until ctx ends. Each
// peer is asked every beacon interval, at once when the expiry watch asks
// (expiry.go), and again a fifth of the interval later when its answer
// has not come: a lossy link gets more tries within a lease, a clean one
// costs one datagram each way.
func (d *Daemon) beacons(ctx context.Context, conn net.PacketConn) {
	out := d.links
	go func() { <-ctx.Done(); conn.Close() }()
	retry := time.NewTimer(time.Hour)
	defer retry.Stop()
	// Once every ask is answered, the retry has nothing to do: stopped,
	// it wakes nobody (a clean link costs no timer).
	go d.answerBeacons(conn, out, func() { retry.Stop() })
	// The ticks fall on multiples of the interval of the wall clock, on
	// every node alike: the asks of the peers and the answers to this
	// node's then arrive together and are read in one wake-up, not four
	// (a wake-up is what an idle daemon pays for). Clocks apart only
	// spread them again.
	select {
	case <-ctx.Done():
		return
	case <-time.After(untilMultiple(time.Now(), d.timings.Beacon)):
	}
	tick := time.NewTicker(d.timings.Beacon)
	defer tick.Stop()
	retries := 0
	peers := cachedMembers{m: d.members, every: time.Second}
	// ask asks the peers only selects (every peer when nil), and says
	// whether it asked any.
	ask := func(only func(peer string) bool) bool {
		secret := d.secret()
		now := time.Now()
		out.expire(now, d.timings.Lease, linkWindow(d.timings))
		asked := false
		for name, m := range peers.get() {
			if name == d.opts.Node || m.Status == "left" || m.Addr == nil || m.PeerPort == 0 || (only != nil && !only(name)) {
				continue
			}
			b := beacon{Kind: beaconAsk, From: d.opts.Node, To: name, Time: now.UnixMilli()}
			b.Nonce = out.add(name, now)
			to := &net.UDPAddr{IP: m.Addr, Port: m.PeerPort}
			conn.WriteTo(sealBeacon(secret, b), to) // a lost datagram is what beacons are for
			asked = true
		}
		return asked
	}
	var pollsChecked time.Time
	round := func() {
		d.checkPolls(peers.get(), time.Now(), &pollsChecked)
		retries = 0
		retry.Reset(d.timings.Beacon / 5) // before the asks: their answers may stop it
		if !ask(nil) {
			retry.Stop()
		}
	}
	round()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			round()
		case <-d.beaconNow:
			round()
		case <-retry.C:
			// Up to three more tries for a lost ask before the next tick.
			if retries++; retries < 3 {
				retry.Reset(d.timings.Beacon / 5)
			}
			if !ask(out.unanswered) {
				retry.Stop()
			}
		}
	}
}

// untilMultiple is how long from now until the wall clock's next
// multiple of every.
func untilMultiple(now time.Time, every time.Duration) time.Duration {
	return every - time.Duration(now.UnixNano()%int64(every))
}

// cachedMembers is the member list for the beacons, read again from
// serf every second or after a membership event, not at every tick.
type cachedMembers struct {
	m       *membership
	every   time.Duration
	at      time.Time
	version uint64
	cached  map[string]member
}

func (c *cachedMembers) get() map[string]member {
	if v := c.m.version.Load(); c.cached == nil || v != c.version || time.Since(c.at) > c.every {
		c.cached, c.at, c.version = c.m.snapshot(), time.Now(), v
	}
	return c.cached
}

// answerBeacons reads datagrams: it answers asks (granting a lease) and
// renews this node's leases on answers.
func (d *Daemon) answerBeacons(conn net.PacketConn, out *linkStats, allAnswered func()) {
	buf := make([]byte, beaconMax+1)
	seen := askMarks{}
	for {
		n, from, err := conn.ReadFrom(buf)
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			continue
		}
		secret := d.secret()
		b, err := openBeacon(secret, buf[:n])
		if err != nil || b.To != d.opts.Node || b.From == d.opts.Node {
			continue
		}
		now := time.Now()
		switch b.Kind {
		case beaconAsk:
			if skew := now.Sub(time.UnixMilli(b.Time)); skew > beaconSkew || skew < -beaconSkew || !seen.fresh(b) {
				continue
			}
			// Granted before the answer leaves, as for a report poll.
			d.leases.grant(b.From, now)
			ans := beacon{Kind: beaconAnswer, From: d.opts.Node, To: b.From, Nonce: b.Nonce, Time: now.UnixMilli(),
				Grants: d.leases.grants(d.knownNodes(), now), Digest: d.digest.Load()}
			conn.WriteTo(sealBeacon(secret, ans), from)
		case beaconAnswer:
			if sent, ok := out.take(b.From, b.Nonce); ok {
				if !out.anyUnanswered() {
					allAnswered()
				}
				d.leases.renew(b.From, sent)
				d.leases.heard(b.From, sent, now, b.Grants)
				if b.Digest != 0 {
					d.advertisedNew(b.From, b.Digest, sent)
				}
				if d.expiry.answered(now) {
					d.wakeRound()
				}
			}
		}
	}
}

// askMarks is, per asking node, the time of its last ask answered.
type askMarks map[string]int64

// fresh says whether ask b was sent after the last one of its node, and
// marks it if so: a recorded ask, replayed within the skew window, is
// not fresh.
func (m askMarks) fresh(b beacon) bool {
	if last, ok := m[b.From]; ok && b.Time <= last {
		return false
	}
	m[b.From] = b.Time
	return true
}

// listenBeacons opens the beacon socket: UDP on the peer API's address.
func (d *Daemon) listenBeacons() (net.PacketConn, error) {
	return net.ListenPacket("udp", d.peerAddr())
}
