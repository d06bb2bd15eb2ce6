package daemon

import (
	"net"
	"net/http"
	"strings"
	"sync"
	"time"
)

var arbCache struct {
	sync.Mutex
	at      time.Time
	reached int
}

// arbitratorsReached counts the configured arbitrators this node reaches:
// a TCP connect for tcp://host:port, a 2xx answer for http(s) URLs.
// Results are kept a second: quorum is computed every round.
func (d *Daemon) arbitratorsReached() int {
	d.mu.Lock()
	arbs := append([]string(nil), d.cluster.Arbitrators...)
	d.mu.Unlock()
	if len(arbs) == 0 {
		return 0
	}
	arbCache.Lock()
	defer arbCache.Unlock()
	if time.Since(arbCache.at) < time.Second {
		return arbCache.reached
	}
	n := 0
	for _, a := range arbs {
		if reach(a) {
			n++
		}
	}
	arbCache.at, arbCache.reached = time.Now(), n
	return n
}

func reach(endpoint string) bool {
	const timeout = 500 * time.Millisecond
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
