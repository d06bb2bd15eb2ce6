// Package daemon is om daemon run: the process on each node that gossips
// membership with serf, exchanges instance reports with its peers, and
// starts and stops services through the engine so that an HA service runs
// on exactly one node, moving when its node dies or its monitored
// resources fail. What crosses its sockets, and the client of its local
// API, are package wire's: the CLI uses them without linking the daemon.
package daemon

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/omhcl/omhcl/cluster"
	"github.com/omhcl/omhcl/encap"
	"github.com/omhcl/omhcl/plan"
	"github.com/omhcl/omhcl/state"
	"github.com/omhcl/omhcl/transport"
	"github.com/omhcl/omhcl/wire"
)

// Options configure a daemon.
type Options struct {
	Node     string
	StateDir string
	// Bind is the serf gossip address; the peer API listens on the same
	// IP, port+1.
	Bind    string
	Profile string // overrides the cluster profile when set
	// Remote serves the API over TCP with TLS and a token too (off when
	// its address is empty).
	Remote RemoteAPI
	// Metrics serves Prometheus metrics on TCP too (off when its address
	// is empty); GET /metrics on the API socket serves them always.
	Metrics MetricsAPI
	Log     io.Writer
	// LogFormat is LogText (the default) or LogJSON.
	LogFormat string
	// NoEvents leaves the engines' event streams alone: monitored
	// resources are then checked at the monitor interval only (for an
	// engine whose event stream is unreliable, or behind a proxy that
	// buffers it).
	NoEvents bool
}

// Daemon is a running node agent.
type Daemon struct {
	opts    Options
	store   *state.Store
	id      *transport.Identity // this node on the transport to its peers
	cluster *cluster.Config
	timings cluster.Timings
	members *membership
	configs *configStore
	agents  *encap.Agents // inside the containers of encapsulated services
	syncs   syncRuns
	starts  startEpoch // under mu: see starts.go
	shared  *sharedStates
	vouched *vouchedDown
	// work counts the actions and syncs running in the background: Run
	// returns once they are done, never while they still write the
	// node's state.
	work    sync.WaitGroup
	leases  *leases
	links   *linkStats
	started time.Time

	mu      sync.Mutex
	reports map[string]*wire.NodeReport // by node: the latest report of each peer
	local   *wire.NodeReport
	// runningView is where this node believes each service runs.
	runningView map[string][]string
	lives       map[string]*plan.LiveInstance // this node's live state, from the last round
	services    map[string]*serviceRun        // orchestration bookkeeping per service
	fencing     time.Time                     // since when this node lacks quorum, zero when it has it
	addrsFenced bool                          // fencing dropped the service addresses
	// fenced are the services whose addresses a fence dropped: their
	// fence completes (they stop here) even when the quorum comes back
	// before the round does, else the node would keep the service
	// without its address, and its peers, seeing it run, start nothing.
	fenced     map[string]bool
	heldUntil  time.Time     // this node fenced: it yields its services to healthy peers until then
	draining   bool          // this node is going away: it starts nothing (drain.go)
	maint      maintenance   // frozen, the drain kept on disk (drain.go)
	degraded   string        // why this node's link is degraded now, "" when it is not
	fenceMu    sync.Mutex    // one address drop at a time
	pollNow    chan struct{} // asks the poller for an early round
	roundNow   chan struct{} // asks the loop for an early round (a resource's event)
	beaconNow  chan struct{} // asks the beacons to go now (expiry.go)
	expiry     *expiryWatch
	sink       *logSink                 // under log: Run closes it
	nodesSeen  atomic.Pointer[[]string] // cluster.Nodes as of the last round (knownNodes)
	secretSeen atomic.Pointer[string]   // cluster.Secret (secret)
	gone       map[string]bool          // nodes the leases say are gone (view)
	// polledResources counts the monitored resources here without an
	// event stream (observe); launched counts the actions launched.
	polledResources int
	launched        atomic.Int64
	quorumEpoch     int64         // quorum regains (wire.NodeReport.QuorumEpoch)
	digest          atomic.Uint64 // of this node's report as last built
	peerDigests     *peerDigests
	events          *eventWatches
	hadQuorum       bool // this node has held quorum since the daemon started
	// quorumSince is since when this node has had quorum without a break.
	quorumSince time.Time
	threads     map[string]string

	log     *slog.Logger
	bus     *eventBus // what happens, for om events and the metrics (eventbus.go)
	metrics *metrics
}

// New prepares a daemon; Run starts it.
func New(opts Options) (*Daemon, error) {
	if opts.Log == nil {
		opts.Log = os.Stderr
	}
	if opts.Bind == "" {
		opts.Bind = "0.0.0.0:7946"
	}
	sink := newLogSink(opts.Log)
	logger, err := newLogger(sink, opts.LogFormat, opts.Node)
	if err != nil {
		sink.Close()
		return nil, err
	}
	store := state.Open(opts.StateDir)
	opts.StateDir = store.Root
	cfg, err := cluster.Update(store.Root, func(c *cluster.Config) (bool, error) {
		if opts.Profile == "" || opts.Profile == c.Profile {
			return false, nil
		}
		return true, c.Set("profile", opts.Profile)
	})
	if err != nil {
		return nil, err
	}
	t, err := cfg.Timings()
	if err != nil {
		return nil, err
	}
	d := &Daemon{
		opts: opts, store: store, cluster: cfg, timings: t,
		reports: map[string]*wire.NodeReport{}, services: map[string]*serviceRun{},
		threads: map[string]string{}, pollNow: make(chan struct{}, 1),
		roundNow: make(chan struct{}, 1), beaconNow: make(chan struct{}, 1), log: logger, sink: sink, bus: newEventBus(),
	}
	d.metrics = newMetrics(d)
	d.members = &membership{d: d}
	if d.id, err = transport.LoadIdentity(store.Root, opts.Node, d.secret); err != nil {
		return nil, err
	}
	d.id.Logf = d.transportLogf
	d.configs = newConfigStore(store)
	d.peerDigests = newPeerDigests()
	d.expiry = newExpiryWatch(func() {
		select {
		case d.beaconNow <- struct{}{}:
		default:
		}
	}, d.leaseDue, d.timings.Beacon/2)
	// A level inside with monitored resources is asked every 2 s at
	// least (an agent run costs about 0.2 s of the engine's exec), others
	// every 30 s.
	d.agents = &encap.Agents{Store: store, Config: d.configs.get, Pulled: d.pulled, MonitoredMaxAge: max(2*time.Second, 2*t.Monitor)}
	d.shared = newSharedStates(filepath.Join(store.Root, "services.json"))
	d.vouched = newVouchedDown(filepath.Join(store.Root, "vouched-down.json"))
	if err := d.loadMaintenance(); err != nil {
		return nil, err
	}
	return d, nil
}

// Run serves until ctx ends. The services keep running.
func (d *Daemon) Run(ctx context.Context) error {
	d.started = time.Now()
	d.leases = newLeases(d.started)
	d.links = newLinkStats()
	d.events = newEventWatches(d.wakeRound, d.warnf, time.Second)
	d.logger().Info("daemon starting", "pid", os.Getpid(), "build", buildInfo(), "state_dir", d.opts.StateDir)
	defer func() {
		d.logger().Info("daemon stopped")
		if d.sink != nil {
			d.sink.Close() // every line written before Run returns
		}
	}()
	d.servePprof()
	if err := d.configs.load(); err != nil {
		return err
	}
	for _, r := range d.configs.refusals() { // a peer's copy replaces them
		d.warnf("config %s: the stored entry is left out: %s", r.Service, r.Why)
		d.emit(wire.Event{Kind: wire.EventConfigRefused, Service: r.Service, Gen: r.Version.Gen, From: r.From, Error: r.Why})
	}
	if err := d.shared.load(); err != nil {
		return err
	}
	if err := d.members.start(); err != nil {
		return err
	}
	go d.rejoinLoop(ctx)
	// No graceful leave: peers would count the node gone at once while its
	// services still run here. They see it fail, and their start conflict
	// check finds the running copy, as when the daemon is killed.
	defer d.members.stop(false)
	defer d.work.Wait()
	d.setThread("daemon", "running")
	d.setThread("gossip", "running "+d.opts.Bind)

	peerLn, err := net.Listen("tcp", d.peerAddr())
	if err != nil {
		return fmt.Errorf("peer api: %w", err)
	}
	beaconConn, err := d.listenBeacons()
	if err != nil {
		peerLn.Close()
		return fmt.Errorf("lease beacons: %w", err)
	}
	apiLn, err := listenUnix(wire.SocketPath(d.opts.StateDir))
	if err != nil {
		peerLn.Close()
		beaconConn.Close()
		return fmt.Errorf("api socket: %w", err)
	}
	go d.servePeers(ctx, peerLn)
	go d.beacons(ctx, beaconConn)
	go d.serveAPI(ctx, apiLn)
	if d.opts.Remote.enabled() {
		if err := d.serveRemoteAPI(ctx, d.opts.Remote); err != nil {
			return err
		}
		d.setThread("api-tcp", "running "+d.opts.Remote.Addr+" (TLS, token)")
	}
	if d.opts.Metrics.enabled() {
		desc, err := d.serveMetrics(ctx, d.opts.Metrics)
		if err != nil {
			return err
		}
		d.setThread("metrics", "running "+desc)
	}
	d.setThread("peers", "running "+d.peerAddr())
	d.setThread("beacons", "running udp "+d.peerAddr())
	d.setThread("listener", "running "+wire.SocketPath(d.opts.StateDir))
	d.logf("node %s up: gossip %s, peers %s, profile %s", d.opts.Node, d.opts.Bind, d.peerAddr(), d.cluster.Profile)
	d.emit(wire.Event{Kind: wire.EventDaemonStart, Reason: fmt.Sprintf("gossip %s, peers %s, profile %s", d.opts.Bind, d.peerAddr(), d.cluster.Profile)})

	d.loop(ctx)
	why := "stopped"
	if err := context.Cause(ctx); err != nil {
		why = err.Error()
	}
	d.logger().Info("daemon stopping: the services keep running", "reason", why)
	d.emit(wire.Event{Kind: wire.EventDaemonStop, Reason: why})
	return nil
}

func (d *Daemon) peerAddr() string {
	a, _ := cluster.PeerAddr(d.opts.Bind)
	return a
}

func (d *Daemon) setThread(name, st string) {
	d.mu.Lock()
	d.threads[name] = st
	d.mu.Unlock()
}

func listenUnix(path string) (net.Listener, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, err
	}
	os.Remove(path) // a stale socket from a killed daemon
	ln, err := net.Listen("unix", path)
	if err != nil {
		return nil, err
	}
	if err := os.Chmod(path, 0o600); err != nil { // root only
		ln.Close()
		return nil, err
	}
	return ln, nil
}

// rejoinLoop contacts the cluster's nodes at once (a restarted daemon
// must hear from the cluster before its startup wait ends, to adopt its
// running services rather than fence them), then, every
// ReconnectInterval, each node of the cluster that serf does not know.
// serf retries the members it saw fail, not those it has not met since
// it started: a node down when this daemon started, or one whose first
// contact failed ("no route to host" just after a heal). Without this
// loop, the two sides of such a heal stayed apart for good (a cluster
// test's drp node and the node back from the dead, in make test).
func (d *Daemon) rejoinLoop(ctx context.Context) {
	var quiet breakLog
	for {
		if addrs := d.unmetPeers(); len(addrs) > 0 {
			if n, err := d.members.join(addrs...); err != nil {
				if why, ok := quiet.record(err, n > 0, time.Now()); ok {
					// serf's error lists one line per node: one line here
					msg := strings.Join(strings.Fields(err.Error()), " ")
					d.warnf("rejoin %v: %d contacted: %s (%s; again every %s)", addrs, n, msg, why, d.timings.ReconnectInterval)
				}
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(d.timings.ReconnectInterval):
		}
	}
}

// unmetPeers lists the gossip addresses of the cluster's nodes that serf
// does not know, this node aside.
func (d *Daemon) unmetPeers() []string {
	known := d.members.snapshot()
	d.mu.Lock()
	defer d.mu.Unlock()
	var addrs []string
	for n, a := range d.cluster.Addrs {
		if _, ok := known[n]; n != d.opts.Node && !ok {
			addrs = append(addrs, a)
		}
	}
	slices.Sort(addrs)
	return addrs
}
