package daemon

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/omhcl/omhcl/internal/names"
	"github.com/omhcl/omhcl/peerssh"
	"github.com/omhcl/omhcl/state"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// The peer API is how nodes exchange instance reports and configurations:
// plain HTTP between the cluster's addresses, each request signed with an
// HMAC of the cluster secret, the asking node's name and a timestamp, so
// only members are served and each knows who asks (a report answered is a
// quorum lease granted, see lease.go).

const (
	authHeader = "X-Omhcl-Auth"
	nodeHeader = "X-Omhcl-Node"
)

// sign returns the auth header value of node's request at time t.
func sign(secret, method, path, node string, t time.Time) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	m := hmac.New(sha256.New, []byte(secret))
	fmt.Fprintf(m, "%s\n%s\n%s\n%s", method, path, node, ts)
	return ts + ":" + hex.EncodeToString(m.Sum(nil))
}

// verify checks a signed request, allowing a minute of clock skew, and
// returns the node that signed it.
func verify(secret string, r *http.Request) (string, bool) {
	ts, mac, ok := strings.Cut(r.Header.Get(authHeader), ":")
	if !ok {
		return "", false
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return "", false
	}
	t := time.Unix(sec, 0)
	if d := time.Since(t); d > time.Minute || d < -time.Minute {
		return "", false
	}
	node := r.Header.Get(nodeHeader)
	want := sign(secret, r.Method, r.URL.Path, node, t)
	_, wantMac, _ := strings.Cut(want, ":")
	return node, hmac.Equal([]byte(mac), []byte(wantMac))
}

func (d *Daemon) secret() string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.cluster.Secret
}

func (d *Daemon) servePeers(ctx context.Context, ln net.Listener) {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /peer/v1/report", func(w http.ResponseWriter, r *http.Request) {
		rep := d.localReport()
		// Granted before the answer leaves: the asker's lease starts
		// earlier still, when it sent the request.
		d.leases.grant(r.Header.Get(nodeHeader), time.Now())
		writeJSON(w, rep)
	})
	mux.HandleFunc("GET /peer/v1/live", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, d.liveState())
	})
	mux.HandleFunc("GET /peer/v1/config/{svc}", func(w http.ResponseWriter, r *http.Request) {
		e := d.configs.get(r.PathValue("svc"))
		if e == nil {
			http.NotFound(w, r)
			return
		}
		writeJSON(w, e)
	})
	auth := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, ok := verify(d.secret(), r); !ok {
			closeAfter(w)
			http.Error(w, "not a member of this cluster", http.StatusForbidden)
			return
		}
		mux.ServeHTTP(w, r)
	})
	srv := limitedServer(capBody(peerBodyMax, auth), 10*time.Second, 30*time.Second)
	go func() { <-ctx.Done(); srv.Close() }()
	// the data channel between members shares the port (peerssh), and
	// the caps on connections (limits.go)
	data := &peerssh.Server{Secret: d.secret, Authorize: d.authorizeData, Logf: d.logf, DeadAfter: d.timings.DataTimeout}
	srv.Serve(peerssh.Split(d.limitConns(ln, "peer port", true), data.ServeConn))
}

// peerClient calls other nodes' peer APIs as node.
type peerClient struct {
	node string
	http *http.Client
}

func newPeerClient(node string, timeout time.Duration) *peerClient {
	return &peerClient{node: node, http: &http.Client{Timeout: timeout, Transport: &http.Transport{
		DialContext:            (&net.Dialer{Timeout: timeout}).DialContext,
		MaxIdleConnsPerHost:    pollsPerPeer,
		IdleConnTimeout:        30 * time.Second,
		MaxResponseHeaderBytes: headerMax,
	}}}
}

func (c *peerClient) get(ctx context.Context, secret string, m member, path string, out any) error {
	if m.PeerPort == 0 {
		return errors.New("no peer port advertised")
	}
	url := fmt.Sprintf("http://%s%s", net.JoinHostPort(m.Addr.String(), strconv.Itoa(m.PeerPort)), path)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	req.Header.Set(nodeHeader, c.node)
	req.Header.Set(authHeader, sign(secret, req.Method, path, c.node, time.Now()))
	resp, err := c.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: %s", m.Name, resp.Status)
	}
	body, err := readCapped(resp.Body, peerAnswerMax)
	if err != nil {
		return fmt.Errorf("%s: %s: %w", m.Name, path, err)
	}
	return json.Unmarshal(body, out)
}

// pollsPerPeer is how many report polls to one peer may be under way at
// once. On a lossy link a poll whose SYN was lost waits a second for its
// retransmission; the next round's poll, on a connection of its own, may
// get through meanwhile.
const pollsPerPeer = 3

// pollPeers asks every peer serf knows (failed ones too: the answer, not
// serf, decides the quorum lease) for its report. Each peer is asked on
// its own, so one that does not answer delays no other's report.
func (d *Daemon) pollPeers(ctx context.Context, c *peerClient, members map[string]member, inflight *inFlight) {
	secret := d.secret()
	for name, m := range members {
		if name == d.opts.Node || m.Status == "left" || m.Addr == nil {
			continue
		}
		inflight.goUpTo(name, pollsPerPeer, func() { d.pollPeer(ctx, c, secret, m) })
	}
}

func (d *Daemon) pollPeer(ctx context.Context, c *peerClient, secret string, m member) {
	sent := time.Now()
	var rep NodeReport
	if err := c.get(ctx, secret, m, "/peer/v1/report", &rep); err != nil {
		return // keep the last report: a peer we cannot read may still run its services
	}
	rep.Sent, rep.Received = sent, time.Now()
	d.mu.Lock()
	if old := d.reports[m.Name]; old != nil && old.Time.After(rep.Time) {
		d.mu.Unlock() // a slow poll answered after a newer one
		return
	}
	d.reports[m.Name] = &rep
	d.mu.Unlock()
	d.leases.renew(m.Name, sent) // after the report: a lease comes with its grants
	d.shared.merge(rep.Shared)
	d.fetchNewerConfigs(ctx, c, secret, m, rep.Configs)
}

// fetchNewerConfigs pulls the configurations a peer has in a newer version.
func (d *Daemon) fetchNewerConfigs(ctx context.Context, c *peerClient, secret string, m member, theirs map[string]Version) {
	mine := d.configs.versions()
	for svc, v := range theirs {
		if !v.Newer(mine[svc]) || d.configs.refusedAlready(svc, v) {
			continue // a version refused once is not fetched at every poll
		}
		o := offer{svc: svc, entry: &configEntry{Service: svc, Gen: v.Gen, Hash: v.Hash}, from: "peer " + m.Name, maxJump: state.MaxGenJump}
		if err := names.CheckService(svc); err != nil {
			d.logf("%v", d.configs.refuse(o, err)) // never a path to fetch
			continue
		}
		var e configEntry
		if err := c.get(ctx, secret, m, "/peer/v1/config/"+svc, &e); err != nil {
			d.logf("config %s: fetch from %s: %v", svc, m.Name, err)
			continue
		}
		o.entry = &e
		if ok, err := d.configs.put(o); err != nil {
			d.logf("%v", err)
		} else if ok {
			d.logf("config %s: generation %d (%s) from %s", svc, e.Gen, e.Hash, m.Name)
		}
	}
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(v)
}
