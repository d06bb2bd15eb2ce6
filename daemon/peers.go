package daemon

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// The peer API is how nodes exchange instance reports and configurations:
// plain HTTP between the cluster's addresses, each request signed with an
// HMAC of the cluster secret and a timestamp, so only members are served.

const authHeader = "X-Omhcl-Auth"

// sign returns the auth header value of a request at time t.
func sign(secret, method, path string, t time.Time) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	m := hmac.New(sha256.New, []byte(secret))
	fmt.Fprintf(m, "%s\n%s\n%s", method, path, ts)
	return ts + ":" + hex.EncodeToString(m.Sum(nil))
}

// verify checks a signed request, allowing a minute of clock skew.
func verify(secret string, r *http.Request) bool {
	ts, mac, ok := strings.Cut(r.Header.Get(authHeader), ":")
	if !ok {
		return false
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return false
	}
	t := time.Unix(sec, 0)
	if d := time.Since(t); d > time.Minute || d < -time.Minute {
		return false
	}
	want := sign(secret, r.Method, r.URL.Path, t)
	_, wantMac, _ := strings.Cut(want, ":")
	return hmac.Equal([]byte(mac), []byte(wantMac))
}

func (d *Daemon) secret() string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.cluster.Secret
}

func (d *Daemon) servePeers(ctx context.Context, ln net.Listener) {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /peer/v1/report", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, d.localReport())
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
		if !verify(d.secret(), r) {
			http.Error(w, "not a member of this cluster", http.StatusForbidden)
			return
		}
		mux.ServeHTTP(w, r)
	})
	srv := &http.Server{Handler: auth, ReadHeaderTimeout: 5 * time.Second}
	go func() { <-ctx.Done(); srv.Close() }()
	srv.Serve(ln)
}

// peerClient calls other nodes' peer APIs.
type peerClient struct {
	http *http.Client
}

func newPeerClient(timeout time.Duration) *peerClient {
	return &peerClient{http: &http.Client{Timeout: timeout, Transport: &http.Transport{
		DialContext:         (&net.Dialer{Timeout: timeout}).DialContext,
		MaxIdleConnsPerHost: 2,
		IdleConnTimeout:     30 * time.Second,
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
	req.Header.Set(authHeader, sign(secret, req.Method, path, time.Now()))
	resp, err := c.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: %s", m.Name, resp.Status)
	}
	return json.NewDecoder(resp.Body).Decode(out)
}

// pollPeers fetches every alive peer's report, in parallel.
func (d *Daemon) pollPeers(ctx context.Context, c *peerClient, members map[string]member) {
	secret := d.secret()
	var wg sync.WaitGroup
	for name, m := range members {
		if name == d.opts.Node || m.Status != "alive" {
			continue
		}
		wg.Add(1)
		go func(m member) {
			defer wg.Done()
			var rep NodeReport
			if err := c.get(ctx, secret, m, "/peer/v1/report", &rep); err != nil {
				return // keep the last report: a peer we cannot read may still run its services
			}
			rep.Received = time.Now()
			d.mu.Lock()
			d.reports[m.Name] = &rep
			d.mu.Unlock()
			d.shared.merge(rep.Shared)
			d.fetchNewerConfigs(ctx, c, secret, m, rep.Configs)
		}(m)
	}
	wg.Wait()
}

// fetchNewerConfigs pulls the configurations a peer has in a newer version.
func (d *Daemon) fetchNewerConfigs(ctx context.Context, c *peerClient, secret string, m member, theirs map[string]Version) {
	mine := d.configs.versions()
	for svc, v := range theirs {
		if !v.newer(mine[svc]) {
			continue
		}
		var e configEntry
		if err := c.get(ctx, secret, m, "/peer/v1/config/"+svc, &e); err != nil {
			d.logf("config %s: fetch from %s: %v", svc, m.Name, err)
			continue
		}
		if hashSource(e.Source) != e.Hash {
			d.logf("config %s from %s: hash mismatch, ignored", svc, m.Name)
			continue
		}
		if ok, err := d.configs.put(&e); err == nil && ok {
			d.logf("config %s: generation %d (%s) from %s", svc, e.Gen, e.Hash, m.Name)
		}
	}
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(v)
}
