// Package connlimit caps the connections a listener keeps open: so many
// per source address, so many in all. A connection over a cap is closed
// as soon as it is accepted, with a reset, before a byte is read: an
// unauthenticated flood then costs the daemon no more than the caps'
// worth of descriptors, buffers and goroutines, whatever its size.
package connlimit

import (
	"fmt"
	"net"
	"sort"
	"strings"
	"sync"
	"time"
)

// Limits are a listener's caps.
type Limits struct {
	// Name is the listener's name in the log ("peer port").
	Name string
	// PerSource caps the live connections from one IP address; 0: none.
	PerSource int
	// Total caps the live connections from the addresses Exempt does not
	// name; 0: none.
	Total int
	// Exempt names the addresses the total cap leaves out (the cluster's
	// members): a flood from elsewhere must not lock them out. They keep
	// their per-source cap. nil: none.
	Exempt func(ip net.IP) bool
	// Logf, when set, gets one line per LogEvery (default 10 s) at most
	// on the connections refused: a flood must not flood the log too.
	Logf     func(format string, args ...any)
	LogEvery time.Duration
}

// Listen returns ln with l's caps.
func Listen(ln net.Listener, l Limits) net.Listener {
	if l.LogEvery <= 0 {
		l.LogEvery = 10 * time.Second
	}
	return &listener{Listener: ln, l: l, live: map[string]int{}, refusedWhy: map[string]int{}, refusedBy: map[string]int{}}
}

type listener struct {
	net.Listener
	l Limits

	mu    sync.Mutex
	live  map[string]int // live connections per source address
	total int            // live connections not exempt
	// the refusals since the last log line: how many, per cap, per
	// source address
	refused    int
	refusedWhy map[string]int
	refusedBy  map[string]int
	lastLog    time.Time
	flushing   bool // a line is due when LogEvery has passed
}

// Accept returns the next connection within the caps; those over them
// are closed here and never seen by the caller.
func (ln *listener) Accept() (net.Conn, error) {
	for {
		c, err := ln.Listener.Accept()
		if err != nil {
			return nil, err
		}
		lc, why := ln.admit(c)
		if lc != nil {
			return lc, nil
		}
		ln.refuse(c, why)
	}
}

// admit counts c in, or says which cap it is over.
func (ln *listener) admit(c net.Conn) (net.Conn, string) {
	src := sourceOf(c)
	exempt := src == nil || ln.l.Exempt != nil && ln.l.Exempt(src)
	key := ""
	if src != nil {
		key = src.String()
	}
	ln.mu.Lock()
	defer ln.mu.Unlock()
	switch {
	case src != nil && ln.l.PerSource > 0 && ln.live[key] >= ln.l.PerSource:
		return nil, fmt.Sprintf("%d per source address", ln.l.PerSource)
	case !exempt && ln.l.Total > 0 && ln.total >= ln.l.Total:
		return nil, fmt.Sprintf("%d in all", ln.l.Total)
	}
	ln.live[key]++
	if !exempt {
		ln.total++
	}
	return &conn{Conn: c, release: func() { ln.release(key, exempt) }}, ""
}

func (ln *listener) release(key string, exempt bool) {
	ln.mu.Lock()
	defer ln.mu.Unlock()
	if ln.live[key]--; ln.live[key] <= 0 {
		delete(ln.live, key)
	}
	if !exempt {
		ln.total--
	}
}

// refuse resets c: no TIME_WAIT left behind on this side, and the
// client learns at once.
func (ln *listener) refuse(c net.Conn, why string) {
	if tc, ok := c.(*net.TCPConn); ok {
		tc.SetLinger(0)
	}
	c.Close()
	ln.mu.Lock()
	defer ln.mu.Unlock()
	ln.refused++
	ln.refusedWhy[why]++
	if src := sourceOf(c); src != nil {
		ln.refusedBy[src.String()]++
	}
	if ln.l.Logf == nil || ln.flushing {
		return
	}
	// at once after a quiet interval, else when the interval ends: every
	// refusal is told within LogEvery, in one line
	wait := time.Until(ln.lastLog.Add(ln.l.LogEvery))
	if wait <= 0 {
		ln.report()
		return
	}
	ln.flushing = true
	time.AfterFunc(wait, func() {
		ln.mu.Lock()
		defer ln.mu.Unlock()
		ln.flushing = false
		ln.report()
	})
}

// report logs the refusals counted since the last line; under mu.
func (ln *listener) report() {
	if ln.refused == 0 {
		return
	}
	ln.l.Logf("%s: refused %d connection(s) over its caps (%s) from %s; one such line per %s at most", ln.l.Name, ln.refused,
		top(ln.refusedWhy, 2, "other cap(s)"), top(ln.refusedBy, 3, "other address(es)"), ln.l.LogEvery)
	ln.lastLog, ln.refused = time.Now(), 0
	clear(ln.refusedWhy)
	clear(ln.refusedBy)
}

// Live returns how many connections ln counts as open (tests).
func Live(l net.Listener) int {
	ln, ok := l.(*listener)
	if !ok {
		return -1
	}
	ln.mu.Lock()
	defer ln.mu.Unlock()
	n := 0
	for _, v := range ln.live {
		n += v
	}
	return n
}

// top names the n keys counted most, with their counts.
func top(by map[string]int, n int, others string) string {
	keys := make([]string, 0, len(by))
	for k := range by {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		return by[keys[i]] > by[keys[j]] || by[keys[i]] == by[keys[j]] && keys[i] < keys[j]
	})
	var parts []string
	for _, k := range keys[:min(n, len(keys))] {
		parts = append(parts, fmt.Sprintf("%s: %d", k, by[k]))
	}
	if len(keys) > n {
		parts = append(parts, fmt.Sprintf("%d %s", len(keys)-n, others))
	}
	return strings.Join(parts, ", ")
}

// sourceOf is c's remote IP address; nil when it has none (a unix socket).
func sourceOf(c net.Conn) net.IP {
	if a, ok := c.RemoteAddr().(*net.TCPAddr); ok {
		return a.IP
	}
	return nil
}

// conn releases its place once, at its first Close.
type conn struct {
	net.Conn
	once    sync.Once
	release func()
}

func (c *conn) Close() error {
	err := c.Conn.Close()
	c.once.Do(c.release)
	return err
}
