package daemon

import (
	"context"
	"net"
	"net/http"
	"strings"
	"time"
)

// Arbitrators are extra quorum votes: TCP or HTTP endpoints a node counts
// while it reaches them. A reached arbitrator counts like a peer's answer,
// for a lease from when the probe was sent, so a node cut off from it
// stops counting it on time.

const arbitratorKey = "arbitrator "

// arbitratorLoop probes the configured arbitrators every monitor
// interval, each on its own, off the rounds.
func (d *Daemon) arbitratorLoop(ctx context.Context) {
	d.mu.Lock()
	arbs := append([]string(nil), d.cluster.Arbitrators...)
	d.mu.Unlock()
	if len(arbs) == 0 {
		return // they are read at start, like the timings
	}
	var inflight inFlight
	tick := time.NewTicker(d.timings.Monitor)
	defer tick.Stop()
	for {
		for _, a := range arbs {
			inflight.goOnce(a, func() {
				sent := time.Now()
				if reach(a, d.timings.PollTimeout()) {
					d.leases.renew(arbitratorKey+a, sent)
				}
			})
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// arbitratorsReached counts the configured arbitrators this node holds a
// lease from.
func (d *Daemon) arbitratorsReached() int {
	d.mu.Lock()
	arbs := append([]string(nil), d.cluster.Arbitrators...)
	d.mu.Unlock()
	n, now := 0, time.Now()
	for _, a := range arbs {
		if d.leases.holds(arbitratorKey+a, now, d.timings.Lease) {
			n++
		}
	}
	return n
}

// reach probes an arbitrator: a TCP connect for tcp://host:port, a 2xx
// answer for http(s) URLs.
func reach(endpoint string, timeout time.Duration) bool {
	if addr, ok := strings.CutPrefix(endpoint, "tcp://"); ok {
		c, err := net.DialTimeout("tcp", addr, timeout)
		if err != nil {
			return false
		}
		c.Close()
		return true
	}
	resp, err := (&http.Client{Timeout: timeout}).Get(endpoint)
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode/100 == 2
}
