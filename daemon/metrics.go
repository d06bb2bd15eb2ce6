package daemon

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/omhcl/omhcl/plan"
	"github.com/omhcl/omhcl/providers"
	"github.com/omhcl/omhcl/providers/syncrecord"
	"github.com/omhcl/omhcl/wire"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// The daemon's Prometheus metrics (docs/metrics.md lists them): gauges
// computed at scrape time from the node's view, the one om mon prints, so
// an unscraped daemon pays nothing for them; counters and histograms fed
// by the event bus and the agents' calls. GET /metrics on the API socket
// serves them; --metrics-addr on TCP too.

// MetricsAPI configures the TCP listener of the metrics (off when its
// address is empty).
type MetricsAPI struct {
	Addr string // listen address, e.g. 198.18.10.1:9436
	// TokenFile, when set, holds the bearer token every scrape must send,
	// as on the TCP API.
	TokenFile string
	// CertFile and KeyFile, when both set, serve it over TLS.
	CertFile, KeyFile string
}

func (m MetricsAPI) enabled() bool { return m.Addr != "" }

// instanceStates are the values of omhcl_service_instance_state's state
// label: one series each per instance, 1 for its state.
var instanceStates = []string{"up", "down", "warn", "n/a", "unknown"}

func desc(name, help string, labels ...string) *prometheus.Desc {
	return prometheus.NewDesc("omhcl_"+name, help, labels, nil)
}

var (
	descInstanceState    = desc("service_instance_state", "The state of a service's instance on a node as this node sees it: 1 for the state label it is in (up, down, warn, n/a; unknown: the node is not alive or did not report).", "service", "node", "state")
	descFrozen           = desc("service_frozen", "1 when the service is frozen (no orchestration: no failover, no restart), cluster-wide.", "service")
	descRunning          = desc("service_running_instances", "The nodes this node sees running the service.", "service")
	descWanted           = desc("service_wanted_instances", "The instances the service should have up: 1 for a failover service, flex_min for a flex one, 0 when it is wanted stopped or not orchestrated.", "service")
	descFailovers        = desc("service_failovers_total", "Starts on this node of a service that last ran on another node (a failover, a switch or a takeover).", "service", "node")
	descRestarts         = desc("service_restarts_total", "Restarts of a monitored resource of the service on this node.", "service", "node")
	descFences           = desc("service_fences_total", "Stops of the service on this node for want of quorum.", "service", "node")
	descLastFailover     = desc("service_last_failover_duration_seconds", "Of the last failover to this node: from when this node saw the service stop on the other node (its failure) to the start done here.", "service", "node")
	descQuorum           = desc("node_quorum", "1 when this node holds quorum.", "node")
	descHeld             = desc("node_held_down", "1 when this node yields its services to its peers (after a fence, a degraded link, or drained).", "node")
	descDraining         = desc("node_draining", "1 when this node is drained: it starts nothing.", "node")
	descMembersAlive     = desc("node_members_alive", "The cluster's members this node sees alive (serf says so and the leases did not run out), itself included.", "node")
	descMembersKnown     = desc("node_members_known", "The cluster's members this node knows of, alive or not.", "node")
	descPeerAlive        = desc("node_peer_alive", "1 when this node sees the peer alive: serf says so and its quorum leases did not run out (gone).", "node", "peer")
	descLeaseAge         = desc("node_lease_age_seconds", "Age of the quorum lease this node holds from the peer (since it sent the ask the peer last answered); a lease counts toward quorum while younger than the lease timing.", "node", "peer")
	descBeaconLoss       = desc("node_beacon_loss_ratio", "Share of this node's lease beacons to the peer left unanswered over the last six leases (0 to 1).", "node", "peer")
	descReportAge        = desc("node_peer_report_age_seconds", "Age of the peer's last report this node holds.", "node", "peer")
	descQuorumLosses     = desc("node_quorum_losses_total", "Times this node lost quorum.", "node")
	descSyncLastSuccess  = desc("sync_last_success_timestamp_seconds", "Unix time the last good sync to the peer began.", "service", "rid", "node", "peer")
	descSyncAge          = desc("sync_last_success_age_seconds", "Age of the last good sync to the peer.", "service", "rid", "node", "peer")
	descSyncBytes        = desc("sync_last_sent_bytes", "Bytes the last good sync to the peer sent.", "service", "rid", "node", "peer")
	descSyncDuration     = desc("sync_last_duration_seconds", "How long the last good sync to the peer took.", "service", "rid", "node", "peer")
	descSyncMaxDelay     = desc("sync_max_delay_seconds", "The sync resource's max_delay: its status warns when the last good sync is older.", "service", "rid", "node", "peer")
	descSyncFailing      = desc("sync_failing", "1 when the last sync to the peer failed (after its last good one).", "service", "rid", "node", "peer")
	descSyncs            = desc("syncs_total", "Syncs to the peer run by this daemon's schedule, by outcome (ok, failed).", "service", "rid", "node", "peer", "outcome")
	descSyncBytesTotal   = desc("sync_sent_bytes_total", "Bytes sent by the good syncs this daemon's schedule ran.", "service", "rid", "node", "peer")
	descApplyFailures    = desc("apply_failures_total", "Engine convergences (start, stop, fence, restart, converge, standby, freezestop) that failed on this node.", "service", "action", "node")
	descEvents           = desc("events_total", "Events this node published, by kind (om events).", "kind", "node")
	applyDurationBuckets = []float64{.1, .25, .5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600}
	agentDurationBuckets = []float64{.01, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60}
)

type svcCount struct{ service, what string }

type syncKey struct{ service, rid, peer, outcome string }

// metrics is the daemon's registry, and the counts the event bus feeds.
type metrics struct {
	d             *Daemon
	reg           *prometheus.Registry
	applyDuration *prometheus.HistogramVec
	agentDuration *prometheus.HistogramVec

	mu           sync.Mutex
	counts       map[svcCount]float64 // failovers, restarts, fences by service
	lastFailover map[string]float64
	applyFails   map[svcCount]float64 // by service and action
	syncs        map[syncKey]float64
	syncBytes    map[syncKey]float64 // outcome ""
	events       map[wire.EventKind]float64
	quorumLosses float64
}

func newMetrics(d *Daemon) *metrics {
	node := prometheus.Labels{"node": d.opts.Node}
	m := &metrics{
		d: d, reg: prometheus.NewRegistry(),
		counts: map[svcCount]float64{}, lastFailover: map[string]float64{}, applyFails: map[svcCount]float64{},
		syncs: map[syncKey]float64{}, syncBytes: map[syncKey]float64{}, events: map[wire.EventKind]float64{},
		applyDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "omhcl_apply_duration_seconds", Help: "Duration of the engine convergences this daemon ran (start, stop, fence, restart, converge, standby, freezestop), failed ones included.",
			Buckets: applyDurationBuckets, ConstLabels: node,
		}, []string{"service", "action"}),
		agentDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "omhcl_agent_call_duration_seconds", Help: "Duration of the calls to the om agents inside the containers of encapsulated services (status, converge), failed ones included; cached statuses are not calls.",
			Buckets: agentDurationBuckets, ConstLabels: node,
		}, []string{"service", "verb"}),
	}
	m.reg.MustRegister(m, m.applyDuration, m.agentDuration,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	d.bus.hook(m.observe)
	return m
}

// handler serves the registry, as Prometheus expects.
func (m *metrics) handler() http.Handler {
	if m == nil { // a Daemon made without New (tests)
		return http.NotFoundHandler()
	}
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{MaxRequestsInFlight: 4, Timeout: 10 * time.Second})
}

// verb is an action's first word: "restart app#web" counts as restart.
func verb(action string) string {
	v, _, _ := strings.Cut(action, " ")
	return v
}

// observe counts an event (a hook of the bus: quick, never blocks).
func (m *metrics) observe(e wire.Event) {
	if e.Kind == wire.EventAction {
		m.applyDuration.WithLabelValues(e.Service, verb(e.Action)).Observe(e.Duration)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.events[e.Kind]++
	switch e.Kind {
	case wire.EventFailover:
		m.counts[svcCount{e.Service, "failovers"}]++
		m.lastFailover[e.Service] = e.Duration
	case wire.EventDecision:
		switch verb(e.Action) {
		case "restart":
			m.counts[svcCount{e.Service, "restarts"}]++
		case "fence":
			m.counts[svcCount{e.Service, "fences"}]++
		}
	case wire.EventAction:
		if e.Outcome == wire.OutcomeFailed {
			m.applyFails[svcCount{e.Service, verb(e.Action)}]++
		}
	case wire.EventQuorumLost:
		m.quorumLosses++
	case wire.EventSyncDone, wire.EventSyncFailed:
		m.syncs[syncKey{e.Service, e.RID, e.Peer, e.Outcome}]++
		if e.Kind == wire.EventSyncDone {
			m.syncBytes[syncKey{e.Service, e.RID, e.Peer, ""}] += float64(e.Bytes)
		}
	}
}

// Describe sends the descriptors of what Collect computes.
func (m *metrics) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descInstanceState, descFrozen, descRunning, descWanted, descFailovers, descRestarts,
		descFences, descLastFailover, descQuorum, descHeld, descDraining, descMembersAlive, descMembersKnown, descPeerAlive,
		descLeaseAge, descBeaconLoss, descReportAge, descQuorumLosses, descSyncLastSuccess, descSyncAge, descSyncBytes,
		descSyncDuration, descSyncMaxDelay, descSyncFailing, descSyncs, descSyncBytesTotal, descApplyFailures, descEvents} {
		ch <- d
	}
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// Collect computes the gauges from the node's view, and sends the counts.
func (m *metrics) Collect(ch chan<- prometheus.Metric) {
	d := m.d
	v := d.mon()
	self := v.Node
	gauge := func(desc *prometheus.Desc, val float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(desc, prometheus.GaugeValue, val, labels...)
	}
	counter := func(desc *prometheus.Desc, val float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(desc, prometheus.CounterValue, val, labels...)
	}
	gauge(descQuorum, b2f(v.Quorum), self)
	gauge(descDraining, b2f(d.isDraining()), self)
	now := time.Now()
	alive := map[string]bool{}
	for _, n := range v.Nodes {
		alive[n.Name] = n.Status == "alive" && !n.Gone // the leases' word first
		if n.Name == self {
			gauge(descHeld, b2f(n.HeldDown), self)
			continue
		}
		gauge(descPeerAlive, b2f(alive[n.Name]), self, n.Name)
		if age, ok := d.leases.age(n.Name, now); ok {
			gauge(descLeaseAge, age.Seconds(), self, n.Name)
		}
		if n.BeaconLoss != nil {
			gauge(descBeaconLoss, float64(*n.BeaconLoss)/100, self, n.Name)
		}
		if n.Age > 0 {
			gauge(descReportAge, n.Age, self, n.Name)
		}
	}
	alive[self] = true
	count := 0
	for _, a := range alive {
		if a {
			count++
		}
	}
	gauge(descMembersAlive, float64(count), self)
	gauge(descMembersKnown, float64(len(alive)), self)

	services := map[string]bool{}
	for _, ms := range v.Services {
		services[ms.Name] = true
		gauge(descFrozen, b2f(ms.Frozen), ms.Name)
		gauge(descRunning, float64(len(ms.Running)), ms.Name)
		gauge(descWanted, float64(wantedInstances(ms)), ms.Name)
		nodes := append(slices.Clone(ms.Nodes), ms.DrpNodes...)
		slices.Sort(nodes)
		for _, n := range slices.Compact(nodes) {
			st := "unknown"
			if ir := ms.Instances[n]; ir != nil && alive[n] {
				st = instanceState(string(ir.Status))
			}
			for _, s := range instanceStates {
				gauge(descInstanceState, b2f(s == st), ms.Name, n, s)
			}
		}
	}
	m.collectSyncs(gauge)

	m.mu.Lock()
	defer m.mu.Unlock()
	for k := range m.counts {
		services[k.service] = true
	}
	for svc := range services {
		counter(descFailovers, m.counts[svcCount{svc, "failovers"}], svc, self)
		counter(descRestarts, m.counts[svcCount{svc, "restarts"}], svc, self)
		counter(descFences, m.counts[svcCount{svc, "fences"}], svc, self)
		if dur, ok := m.lastFailover[svc]; ok {
			gauge(descLastFailover, dur, svc, self)
		}
		for _, a := range []string{"start", "stop"} { // the others once they fail
			if _, ok := m.applyFails[svcCount{svc, a}]; !ok {
				counter(descApplyFailures, 0, svc, a, self)
			}
		}
	}
	for k, n := range m.applyFails {
		counter(descApplyFailures, n, k.service, k.what, self)
	}
	counter(descQuorumLosses, m.quorumLosses, self)
	for k, n := range m.syncs {
		counter(descSyncs, n, k.service, k.rid, self, k.peer, k.outcome)
	}
	for k, n := range m.syncBytes {
		counter(descSyncBytesTotal, n, k.service, k.rid, self, k.peer)
	}
	for k, n := range m.events {
		counter(descEvents, n, string(k), self)
	}
}

// instanceState is an instance's status as a state label value.
func instanceState(s string) string {
	switch s {
	case "up", "down", "warn", "n/a":
		return s
	case "stdby up": // only the standby resources: the service is down there
		return "down"
	}
	return "unknown"
}

// wantedInstances is how many instances of ms should be up.
func wantedInstances(ms wire.MonService) int {
	switch {
	case ms.Intent == "stopped", ms.Orchestrate == "no" && ms.Intent != "started":
		return 0
	case ms.Topology == "flex":
		return max(ms.FlexMin, 1)
	}
	return 1
}

// collectSyncs sends the gauges of the syncs armed on this node (it runs
// their services), from their drivers' records.
func (m *metrics) collectSyncs(gauge func(*prometheus.Desc, float64, ...string)) {
	d := m.d
	d.mu.Lock()
	lives := make([]*plan.LiveInstance, 0, len(d.lives))
	for _, li := range d.lives {
		lives = append(lives, li)
	}
	d.mu.Unlock()
	if len(lives) == 0 {
		return
	}
	cfg := d.currentConfig()
	now := time.Now()
	for _, li := range lives {
		recs := d.armedSyncRecords(li)
		if len(recs) == 0 {
			continue
		}
		maxDelay := func(rid string) time.Duration { return syncrecord.DefaultMaxDelay }
		if svc := cfg.Service(li.Service); svc != nil {
			if in, diags := svc.Evaluate(d.opts.Node, nil); !diags.HasErrors() && in != nil {
				maxDelay = func(rid string) time.Duration {
					if r := in.Resource(rid); r != nil {
						return r.Duration("max_delay", syncrecord.DefaultMaxDelay)
					}
					return syncrecord.DefaultMaxDelay
				}
			}
		}
		for rid, rec := range recs {
			for peer, t := range rec.Targets {
				l := []string{li.Service, rid, d.opts.Node, peer}
				gauge(descSyncMaxDelay, maxDelay(rid).Seconds(), l...)
				gauge(descSyncFailing, b2f(t.Error != "" && t.ErrorAt.After(t.Last)), l...)
				if t.Last.IsZero() {
					continue
				}
				gauge(descSyncLastSuccess, float64(t.Last.UnixNano())/1e9, l...)
				gauge(descSyncAge, now.Sub(t.Last).Seconds(), l...)
				gauge(descSyncBytes, float64(t.Bytes), l...)
				gauge(descSyncDuration, t.Took.Seconds(), l...)
			}
		}
	}
}

// timedAgents times the calls to the agents inside containers.
type timedAgents struct {
	plan.EncapAgents
	m *metrics
}

func (t timedAgents) Status(ctx context.Context, h plan.EncapHost, x providers.Executor, refresh bool) *plan.EncapStatus {
	began := time.Now()
	st := t.EncapAgents.Status(ctx, h, x, refresh)
	if st != nil && !st.CheckedAt.Before(began.Round(0)) { // asked now, not cached (wall clocks both)
		t.m.agentDuration.WithLabelValues(h.Service, "status").Observe(time.Since(began).Seconds())
	}
	return st
}

func (t timedAgents) Converge(ctx context.Context, h plan.EncapHost, x providers.Executor, req plan.EncapRequest, log *providers.Log) error {
	began := time.Now()
	err := t.EncapAgents.Converge(ctx, h, x, req, log)
	t.m.agentDuration.WithLabelValues(h.Service, "converge").Observe(time.Since(began).Seconds())
	return err
}

// agentCalls is what the engine calls the agents through: timed.
func (d *Daemon) agentCalls() plan.EncapAgents {
	if d.metrics == nil || d.agents == nil {
		return d.agents
	}
	return timedAgents{EncapAgents: d.agents, m: d.metrics}
}

// serveMetrics serves GET /metrics on TCP, with a bearer token and TLS
// when configured, within the listeners' limits; it returns what it
// serves, for om mon's threads.
func (d *Daemon) serveMetrics(ctx context.Context, m MetricsAPI) (string, error) {
	if (m.CertFile == "") != (m.KeyFile == "") {
		return "", errors.New("the metrics listener needs both a certificate and a key for TLS, or neither")
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", d.metrics.handler())
	var h http.Handler = mux
	desc := m.Addr
	if m.TokenFile != "" {
		token, err := readToken("metrics", m.TokenFile)
		if err != nil {
			return "", err
		}
		h = bearer(token, h)
		desc += " (token)"
	}
	var tlsConf *tls.Config
	if m.CertFile != "" {
		cert, err := tls.LoadX509KeyPair(m.CertFile, m.KeyFile)
		if err != nil {
			return "", fmt.Errorf("metrics certificate: %w", err)
		}
		tlsConf = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
		desc += " (TLS)"
	}
	ln, err := net.Listen("tcp", m.Addr)
	if err != nil {
		return "", fmt.Errorf("metrics: %w", err)
	}
	srv := limitedServer(capBody(metricsBodyMax, h), metricsReadTimeout, metricsWriteTimeout)
	srv.TLSConfig = tlsConf
	go func() { <-ctx.Done(); srv.Close() }()
	go func() {
		lln := d.limitConns(ln, "metrics", false)
		var err error
		if tlsConf != nil {
			err = srv.ServeTLS(lln, "", "")
		} else {
			err = srv.Serve(lln)
		}
		if err != nil && !errors.Is(err, http.ErrServerClosed) {
			d.errorf("metrics: %v", err)
		}
	}()
	d.logf("metrics: serving GET /metrics on %s", desc)
	return desc, nil
}
