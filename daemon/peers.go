package daemon

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/omhcl/omhcl/internal/names"
	"github.com/omhcl/omhcl/state"
	"github.com/omhcl/omhcl/transport"
	"github.com/omhcl/omhcl/wire"
)

// The peer API is how nodes exchange instance reports and configurations:
// HTTP inside the cluster's transport (package transport: SSH with a
// certificate of the cluster and a pinned key per node), so only members
// are served, each knows which member asks (a report answered is a quorum
// lease granted, see lease.go), and each believes an answer only from the
// member it asked.

func (d *Daemon) servePeers(ctx context.Context, ln net.Listener) {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /peer/v1/report", func(w http.ResponseWriter, r *http.Request) {
		rep := d.localReport()
		// Granted before the answer leaves: the asker's lease starts
		// earlier still, when it sent the request.
		d.leases.grant(transport.PeerOf(r.Context()), time.Now())
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
	srv := limitedServer(capBody(peerBodyMax, mux), 10*time.Second, 30*time.Second)
	srv.ConnContext = transport.ConnContext
	// the data channel shares the transport, and the caps on connections
	// (limits.go)
	peers := &transport.Server{Identity: d.id, Member: d.isMember, Authorize: d.authorizeData, Logf: d.transportLogf, DeadAfter: d.timings.DataTimeout}
	go func() { <-ctx.Done(); srv.Close() }()
	go srv.Serve(peers.API())
	peers.Serve(d.limitConns(ln, "peer port", true))
}

// secret is the cluster's secret. The beacons read it for every
// datagram: a copy keeps them from waiting for the daemon's lock.
func (d *Daemon) secret() string {
	if p := d.secretSeen.Load(); p != nil {
		return *p
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	s := d.cluster.Secret
	d.secretSeen.Store(&s)
	return s
}

// isMember says whether node is one of the cluster's: a node serf knows
// (failed ones too: a node back from a cut talks before serf says it is
// alive again), or one this node has seen before (cluster.json's nodes:
// a daemon that just restarted hears from its peers before its serf has
// rejoined them).
func (d *Daemon) isMember(node string) bool {
	if m, ok := d.members.snapshot()[node]; ok {
		return m.Status != "left"
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	return slices.Contains(d.cluster.Nodes, node)
}

// peerClient calls other nodes' peer APIs.
type peerClient struct {
	http *http.Client
}

// newPeerClient asks as id, reaching a node at the address resolve gives.
func newPeerClient(id *transport.Identity, timeout time.Duration, resolve func(node string) (string, error)) *peerClient {
	dialer := &transport.Dialer{Identity: id, Resolve: resolve}
	return &peerClient{http: &http.Client{Timeout: timeout, Transport: &http.Transport{
		DialContext:            dialer.DialContext,
		MaxIdleConnsPerHost:    pollsPerPeer,
		IdleConnTimeout:        30 * time.Second,
		MaxResponseHeaderBytes: headerMax,
	}}}
}

// peerAddrOf resolves a member's name to its peer address, for a
// peerClient.
func (d *Daemon) peerAddrOf(node string) (string, error) {
	m, ok := d.members.snapshot()[node]
	if !ok || m.Addr == nil || m.PeerPort == 0 {
		return "", fmt.Errorf("%s: no peer address known", node)
	}
	return m.peerAddr(), nil
}

func (m member) peerAddr() string { return net.JoinHostPort(m.Addr.String(), strconv.Itoa(m.PeerPort)) }

// get asks m for path, whose answer is JSON read into out: the URL's
// host is the node's name, which the transport resolves and checks.
func (c *peerClient) get(ctx context.Context, m member, path string, out any) error {
	if m.PeerPort == 0 {
		return errors.New("no peer port advertised")
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+m.Name+path, nil)
	if err != nil {
		return err
	}
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
	now := time.Now()
	for name, m := range members {
		if name == d.opts.Node || m.Status == "left" || m.Addr == nil || !d.pollDue(name, now) {
			continue
		}
		inflight.goUpTo(name, pollsPerPeer, func() { d.pollPeer(ctx, c, m) })
	}
}

func (d *Daemon) pollPeer(ctx context.Context, c *peerClient, m member) {
	sent := time.Now()
	var rep wire.NodeReport
	if err := c.get(ctx, m, "/peer/v1/report", &rep); err != nil {
		return // keep the last report: a peer we cannot read may still run its services
	}
	if rep.Node != m.Name {
		d.warnf("%s: its report says it is %q: ignored", m.Name, rep.Node)
		return
	}
	rep.Sent, rep.Received, rep.Digest = sent, time.Now(), reportDigest(&rep)
	d.mu.Lock()
	old := d.reports[m.Name]
	if old != nil && old.Time.After(rep.Time) {
		d.mu.Unlock() // a slow poll answered after a newer one
		return
	}
	d.reports[m.Name] = &rep
	d.mu.Unlock()
	if old == nil || old.Digest != rep.Digest {
		defer d.wakeRound() // after the configurations it offers are in
	}
	d.leases.renew(m.Name, sent) // after the report: a lease comes with its grants
	d.leases.heard(m.Name, sent, rep.Received, rep.LeaseGrants)
	d.mergeShared(m.Name, rep.Shared)
	d.fetchNewerConfigs(ctx, c, m, rep.Configs)
}

// fetchNewerConfigs pulls the configurations a peer has in a newer version.
func (d *Daemon) fetchNewerConfigs(ctx context.Context, c *peerClient, m member, theirs map[string]state.ConfigVersion) {
	mine := d.configs.versions()
	for svc, v := range theirs {
		if !v.Newer(mine[svc]) || d.configs.refusedAlready(svc, v) {
			continue // a version refused once is not fetched at every poll
		}
		o := offer{svc: svc, entry: &configEntry{Service: svc, Gen: v.Gen, Hash: v.Hash}, from: "peer " + m.Name, maxJump: state.MaxGenJump}
		if err := names.CheckService(svc); err != nil {
			d.configRefused(o, d.configs.refuse(o, err)) // never a path to fetch
			continue
		}
		var e configEntry
		if err := c.get(ctx, m, "/peer/v1/config/"+svc, &e); err != nil {
			d.warnf("config %s: fetch from %s: %v", svc, m.Name, err)
			continue
		}
		o.entry = &e
		if ok, err := d.configs.put(o); err != nil {
			d.configRefused(o, err)
		} else if ok {
			d.logf("config %s: generation %d (%s) from %s", svc, e.Gen, e.Hash, m.Name)
			d.emit(wire.Event{Kind: wire.EventConfigStored, Service: svc, Gen: e.Gen, From: o.from})
		}
	}
}

// configRefused logs and publishes the refusal of o.
func (d *Daemon) configRefused(o offer, err error) {
	d.warnf("%v", err)
	d.emit(wire.Event{Kind: wire.EventConfigRefused, Service: o.svc, Gen: o.entry.Gen, From: o.from, Error: err.Error()})
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(v)
}
