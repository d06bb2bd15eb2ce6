package daemon

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/omhcl/omhcl/internal/connlimit"
)

// The limits of the daemon's listeners (docs/security.md, "Limits"):
// what a client that never authenticates can cost the daemon is bounded
// by these, whatever it sends and however many connections it opens.
const (
	// perSourceConns caps the live connections from one address on the
	// peer port and the TCP API. A member needs a few: its report polls
	// (pollsPerPeer), a configuration or live state fetch, one data
	// channel per sync under way.
	perSourceConns = 32
	// strangerConns caps the live connections from addresses that are
	// not members', in all, per listener: a flood from many addresses
	// costs no more, and never takes a member's place.
	strangerConns = 256
	// headerMax bounds a request's headers.
	headerMax = 64 << 10
	// peerBodyMax bounds a peer API request's body: none is needed.
	peerBodyMax = 64 << 10
	// peerAnswerMax bounds what a peer's answer may hold: a report, a
	// configuration, a node's live state are far smaller.
	peerAnswerMax = 16 << 20
	// apiBodyMax bounds a request of the local (or TCP) API: the largest
	// is a configuration push.
	apiBodyMax = 16 << 20
	// metricsBodyMax bounds a request to the metrics listener: a scrape
	// sends none.
	metricsBodyMax = 4 << 10
	// metricsReadTimeout and metricsWriteTimeout bound a scrape's request
	// and answer (Prometheus' own scrape timeout is 10 s by default).
	metricsReadTimeout  = 10 * time.Second
	metricsWriteTimeout = 30 * time.Second
)

// limitConns caps ln's connections per source address and, from
// addresses that are not members', in all.
func (d *Daemon) limitConns(ln net.Listener, name string, exemptMembers bool) net.Listener {
	l := connlimit.Limits{Name: name, PerSource: perSourceConns, Total: strangerConns, Logf: d.warnf}
	if exemptMembers {
		l.Exempt = d.members.isPeerAddr
	}
	return connlimit.Listen(ln, l)
}

// isPeerAddr says whether ip is another member's address, as serf last
// told: the strangers' cap spares it.
func (m *membership) isPeerAddr(ip net.IP) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, mb := range m.byID {
		if mb.Name != m.d.opts.Node && mb.Status != "left" && mb.Addr.Equal(ip) {
			return true
		}
	}
	return false
}

// limitedServer is an HTTP server whose every phase is bounded in time:
// a client cannot hold a connection by sending its request slowly,
// reading the answer slowly, or idling between requests.
func limitedServer(h http.Handler, read, write time.Duration) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 5 * time.Second, // the TLS handshake too
		ReadTimeout:       read,
		WriteTimeout:      write,
		// longer than a client's own (newPeerClient: 30 s), so that the
		// client closes first and never sends on a connection being closed
		IdleTimeout:    60 * time.Second,
		MaxHeaderBytes: headerMax,
	}
}

// capBody bounds the request bodies next reads.
func capBody(max int64, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, max)
		next.ServeHTTP(w, r)
	})
}

// closeAfter makes the server close the connection once its answer is
// sent: a client refused once is not kept, to try again for free or to
// hold a descriptor and a goroutine for nothing.
func closeAfter(w http.ResponseWriter) { w.Header().Set("Connection", "close") }

// readCapped reads all of r, up to max bytes: more is an error, and
// what was read is dropped.
func readCapped(r io.Reader, max int64) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > max {
		return nil, fmt.Errorf("answer over %d MiB: refused", max>>20)
	}
	return b, nil
}
