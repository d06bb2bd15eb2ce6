package daemon

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/omhcl/omhcl/cluster"
	"github.com/omhcl/omhcl/lang"
	"github.com/omhcl/omhcl/orchestrate"
	"github.com/omhcl/omhcl/plan"
	"github.com/omhcl/omhcl/state"
	"github.com/omhcl/omhcl/wire"
)

// The local API: HTTP over a unix socket only root can open. om, omplan
// and omapply use it through wire.Client, with the types of package wire.

func (d *Daemon) serveAPI(ctx context.Context, ln net.Listener) {
	srv := limitedServer(d.apiHandler(), 30*time.Second, 2*time.Minute)
	go func() { <-ctx.Done(); srv.Close() }()
	srv.Serve(ln)
}

func (d *Daemon) apiHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /v1/mon", func(w http.ResponseWriter, r *http.Request) { writeJSON(w, d.mon()) })
	mux.HandleFunc("POST /v1/services/{svc}/action", d.handleAction)
	mux.HandleFunc("GET /v1/live/{node}", d.handleLive)
	mux.HandleFunc("POST /v1/config", d.handleConfig)
	mux.HandleFunc("POST /v1/join", d.handleJoin)
	mux.HandleFunc("POST /v1/drain", d.handleDrain)
	mux.HandleFunc("GET /v1/node", func(w http.ResponseWriter, r *http.Request) { writeJSON(w, d.nodeState()) })
	mux.HandleFunc("POST /v1/node", d.handleNode)
	mux.HandleFunc("GET /v1/events", d.handleEvents)
	mux.Handle("GET /metrics", d.metrics.handler())
	return capBody(apiBodyMax, d.wakeAfterWrites(mux))
}

// wakeAfterWrites runs a round once a request that may change something
// (anything but a GET) is answered: a command is acted on at once, not
// at the next idle round.
func (d *Daemon) wakeAfterWrites(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.ServeHTTP(w, r)
		if r.Method != http.MethodGet {
			d.wakeRound()
		}
	})
}

func httpError(w http.ResponseWriter, code int, format string, args ...any) {
	w.WriteHeader(code)
	writeJSON(w, map[string]string{"error": fmt.Sprintf(format, args...)})
}

func (d *Daemon) handleAction(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("svc")
	var req wire.ActionRequest
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		httpError(w, http.StatusBadRequest, "bad request: %v", err)
		return
	}
	cfg := d.currentConfig()
	svc := cfg.Service(name)
	if svc == nil {
		httpError(w, http.StatusNotFound, "no service %q in the cluster configuration (omapply hands it over)", name)
		return
	}
	inst, diags := svc.Evaluate(d.opts.Node, nil)
	if diags.HasErrors() {
		httpError(w, http.StatusConflict, "%s", diags.Error())
		return
	}
	st, err := d.applyAction(name, inst.Settings, req)
	if err != nil {
		httpError(w, http.StatusConflict, "%v", err)
		return
	}
	writeJSON(w, st)
}

// applyAction turns an operator action into the service's shared state.
func (d *Daemon) applyAction(name string, s lang.Settings, req wire.ActionRequest) (wire.ServiceState, error) {
	members := d.members.snapshot()
	view := d.view(members, d.votes())
	var set func(*wire.ServiceState)
	switch req.Action {
	case "start":
		set = func(st *wire.ServiceState) { st.Intent = orchestrate.IntentStarted }
	case "stop":
		set = func(st *wire.ServiceState) { st.Intent = orchestrate.IntentStopped }
	case "freeze":
		set = func(st *wire.ServiceState) { st.Frozen = true }
	case "thaw":
		set = func(st *wire.ServiceState) { st.Frozen = false }
	case "clear":
		// a new generation is all it takes: every node forgets its
		// monitor's verdict on the service
		set = func(st *wire.ServiceState) {}
	case "switch", "takeover", "giveback":
		to, err := d.relocationTarget(name, s, view, req)
		if err != nil {
			return wire.ServiceState{}, err
		}
		forced, err := d.forcedTakeover(name, req, view, to)
		if err != nil {
			return wire.ServiceState{}, err
		}
		set = func(st *wire.ServiceState) {
			st.Intent, st.Preferred, st.Forced = orchestrate.IntentStarted, to, forced
		}
	default:
		return wire.ServiceState{}, fmt.Errorf("unknown action %q", req.Action)
	}
	st := d.shared.update(name, d.opts.Node, set)
	d.logger().Info(fmt.Sprintf("%s: %s requested", name, req.Action), "service", name, "frozen", st.Frozen, "intent", string(st.Intent),
		"preferred", st.Preferred, "forced", st.Forced, "generation", st.Gen, "by", st.By)
	d.emit(wire.Event{Kind: wire.EventRequest, Service: name, Action: req.Action, Peer: st.Preferred, Gen: st.Gen})
	return st, nil
}

// forcedTakeover says whether a takeover must start the service without
// quorum, and to where. Only when no side of the cluster can hold a
// majority (two nodes split, no arbitrator): the operator vouches that
// the copy this node cannot see is gone. Where the side it lost could hold
// a majority, that side may run the service, and the takeover is refused.
func (d *Daemon) forcedTakeover(name string, req wire.ActionRequest, view orchestrate.View, to string) (string, error) {
	if req.Action != "takeover" || view.Quorum {
		return "", nil
	}
	if to != d.opts.Node {
		return "", fmt.Errorf("%s has no quorum: a takeover without quorum starts %s on this node only; run it on %s", d.opts.Node, name, to)
	}
	if d.votes().MustFence() {
		lost := d.lostNodes(view)
		if !req.Force {
			return "", fmt.Errorf("%s has no quorum, and the nodes it lost (%s) may hold one and run %s: takeover refused. If they are down (their site is lost), om %s takeover --force vouches for it: they stop counting toward the quorum until they are seen alive again", d.opts.Node, strings.Join(lost, ", "), name, name)
		}
		d.vouched.add(lost)
		d.warnf("%s: takeover forced: the operator vouches that %s are down; they count toward the quorum again once seen alive", name, strings.Join(lost, ", "))
		return to, nil
	}
	d.warnf("%s: takeover forced without quorum: no side holds a majority, the operator vouches the other copy is gone", name)
	return to, nil
}

// lostNodes are the cluster's nodes this node does not see alive.
func (d *Daemon) lostNodes(view orchestrate.View) []string {
	d.mu.Lock()
	nodes := slices.Clone(d.cluster.Nodes)
	d.mu.Unlock()
	var out []string
	for _, n := range nodes {
		if n != d.opts.Node && !view.Nodes[n].Alive {
			out = append(out, n)
		}
	}
	slices.Sort(out)
	return out
}

// relocationTarget picks where switch, takeover and giveback move to.
func (d *Daemon) relocationTarget(name string, s lang.Settings, view orchestrate.View, req wire.ActionRequest) (string, error) {
	alive := func(n string) bool { return view.Nodes[n].Alive }
	switch req.Action {
	case "takeover":
		to := req.From
		if to == "" {
			to = d.opts.Node
		}
		if !slices.Contains(s.Nodes, to) && !slices.Contains(s.DrpNodes, to) {
			return "", fmt.Errorf("%s is not a node of %s", to, name)
		}
		return to, nil
	case "giveback":
		for _, n := range s.Nodes {
			if alive(n) {
				return n, nil
			}
		}
		return "", fmt.Errorf("no node of %s is alive", name)
	}
	if req.To != "" {
		if !slices.Contains(s.Nodes, req.To) || !alive(req.To) {
			return "", fmt.Errorf("cannot switch %s to %s: not an alive node of the service", name, req.To)
		}
		return req.To, nil
	}
	// the next alive node after the one running it, in nodes order
	running := ""
	for _, ms := range d.mon().Services {
		if ms.Name == name && len(ms.Running) > 0 {
			running = ms.Running[0]
		}
	}
	i := slices.Index(s.Nodes, running)
	for k := 1; k <= len(s.Nodes); k++ {
		n := s.Nodes[(i+k+len(s.Nodes))%len(s.Nodes)]
		if n != running && alive(n) {
			return n, nil
		}
	}
	return "", fmt.Errorf("no other alive node to switch %s to", name)
}

func (d *Daemon) handleConfig(w http.ResponseWriter, r *http.Request) {
	var push wire.ConfigPush
	if err := json.NewDecoder(r.Body).Decode(&push); err != nil {
		httpError(w, http.StatusBadRequest, "bad request: %v", err)
		return
	}
	out := map[string]state.ConfigVersion{}
	for name, src := range push.Services {
		// the store checks the name, the text and the generation
		e, changed, err := d.configs.ingest(name, src, d.opts.Node)
		if err != nil {
			d.warnf("%v", err)
			d.emit(wire.Event{Kind: wire.EventConfigRefused, Service: name, From: "the API on " + d.opts.Node, Error: err.Error()})
			httpError(w, http.StatusBadRequest, "%v", err)
			return
		}
		if changed {
			d.logf("config %s: generation %d (%s) from omapply", name, e.Gen, e.Hash)
			d.emit(wire.Event{Kind: wire.EventConfigStored, Service: name, Gen: e.Gen, From: "the API on " + d.opts.Node})
		}
		out[name] = e.Version()
	}
	writeJSON(w, out)
}

func (d *Daemon) handleJoin(w http.ResponseWriter, r *http.Request) {
	var req wire.JoinRequest
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		httpError(w, http.StatusBadRequest, "bad request: %v", err)
		return
	}
	if _, err := cluster.DecodeSecret(req.Secret); err != nil {
		httpError(w, http.StatusBadRequest, "%v", err)
		return
	}
	var steps []string
	d.mu.Lock()
	rekey := d.cluster.Secret != req.Secret
	d.cluster.Secret = req.Secret
	d.secretSeen.Store(&req.Secret)
	d.mu.Unlock()
	_, err := cluster.Update(d.opts.StateDir, func(c *cluster.Config) (bool, error) {
		changed := c.Secret != req.Secret
		c.Secret = req.Secret
		return changed, nil
	})
	if err != nil {
		httpError(w, http.StatusInternalServerError, "%v", err)
		return
	}
	if rekey {
		// The gossip key is fixed when serf starts: restart it with the
		// cluster's secret.
		d.members.stop(false)
		if err := d.members.start(); err != nil {
			httpError(w, http.StatusInternalServerError, "restart gossip with the new secret: %v", err)
			return
		}
		steps = append(steps, "adopt the cluster secret")
	}
	n, err := d.members.join(req.Addrs...)
	if err != nil {
		httpError(w, http.StatusBadGateway, "join %v: %v", req.Addrs, err)
		return
	}
	steps = append(steps, fmt.Sprintf("join %v: %d node(s) contacted", req.Addrs, n))
	d.logf("joined %v", req.Addrs)
	writeJSON(w, map[string][]string{"steps": steps})
}

// handleLive returns a node's live state: this node's, or a peer's fetched
// through the peer API.
func (d *Daemon) handleLive(w http.ResponseWriter, r *http.Request) {
	node := r.PathValue("node")
	if node == d.opts.Node {
		writeJSON(w, d.liveState())
		return
	}
	m, ok := d.members.snapshot()[node]
	if !ok || m.Status != "alive" {
		httpError(w, http.StatusNotFound, "node %s is not an alive member", node)
		return
	}
	var live plan.Live
	if err := newPeerClient(d.id, 2*time.Second, d.peerAddrOf).get(r.Context(), m, "/peer/v1/live", &live); err != nil {
		httpError(w, http.StatusBadGateway, "live state of %s: %v", node, err)
		return
	}
	writeJSON(w, &live)
}
