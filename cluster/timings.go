package cluster

import (
	"fmt"
	"time"
)

// Timings drive failure detection and orchestration.
//
// The safety rule is a lease: every answer a node gets from a peer (a
// beacon's or a report poll's) counts that peer toward its quorum for
// Lease, from when the question was sent. A node whose leases no longer
// add up to a majority fences (drops its service addresses, then stops
// its services) within QuorumGrace plus one fence check, and has
// FenceBudget to finish dropping them. The majority starts what a lost
// node ran only when, at some moment, none of its members had answered
// that node for TakeoverAfter, which is the sum of the above: by then the
// lost node's leases ran out and its addresses are gone. The leases are
// also the failure detector: serf only tells who is a member.
type Timings struct {
	// memberlist failure detection
	ProbeInterval  time.Duration
	ProbeTimeout   time.Duration
	SuspicionMult  int
	GossipInterval time.Duration
	// ReconnectInterval is how often serf retries failed members: it
	// bounds how fast a healed node rejoins.
	ReconnectInterval time.Duration
	// Grace is a margin for what serf says right after a start or a heal
	// (it reports false failures then): a daemon just started waits it,
	// with StartupWait and a Lease, for its peers before it fences, and
	// takes its peers' word on where services run for as long. Failures
	// themselves are the leases' to decide (TakeoverAfter).
	Grace time.Duration
	// QuorumGrace is how long a node without quorum waits before fencing.
	QuorumGrace time.Duration
	// Lease is how long a peer's answer counts it toward this node's
	// quorum. Peers are asked every Monitor, so a lease spans several asks.
	Lease time.Duration
	// FenceBudget is how long a node that lost quorum may take to drop its
	// service addresses; the majority waits for it before a takeover.
	FenceBudget time.Duration
	// HoldDown is how long a node that fenced stays out of placement
	// once its quorum is back, while a node that kept quorum can run its
	// services: a node on a flapping link hands its services over once
	// instead of starting and fencing them in a loop.
	HoldDown time.Duration
	// Monitor is the interval of local status checks (restarts, monitor
	// actions) and of orchestration rounds.
	Monitor time.Duration
	// StartupWait delays orchestration after the daemon starts, to learn
	// the peers' states first.
	StartupWait time.Duration
	// Beacon is how often a node sends each peer a lease beacon (one
	// signed datagram each way, daemon/beacon.go): a lease spans
	// Lease/Beacon of them, and a beacon left unanswered is sent again
	// sooner (a fifth of Beacon), so a lossy link gets more tries.
	Beacon time.Duration
	// DataTimeout is how long either end of the data channel (a sync)
	// waits for a peer that answers nothing before it gives up: a node
	// that died sends no reset, and TCP alone waits minutes.
	DataTimeout time.Duration
}

var profiles = map[string]Timings{
	// serf probes every 2 s and gossips every second (an idle daemon
	// wakes for each: at 1 s and 200 ms, the default profile's idle
	// daemon took 0.40 % of a CPU, 0.30 % now); the leases decide a
	// takeover 8.31 s after the lost node's last answered beacon.
	"default": {
		ProbeInterval: 2 * time.Second, ProbeTimeout: time.Second, SuspicionMult: 4,
		GossipInterval: time.Second, ReconnectInterval: 5 * time.Second,
		Grace: 3 * time.Second, QuorumGrace: time.Second, Lease: 5 * time.Second, FenceBudget: 2 * time.Second,
		HoldDown: 30 * time.Second, Monitor: time.Second, StartupWait: 5 * time.Second,
		Beacon: 1250 * time.Millisecond, DataTimeout: 30 * time.Second,
	},
	// The leases decide a takeover 600 ms after the lost node's last
	// answered beacon (TakeoverAfter). serf only tells who is a member
	// and who came back: it probes every 500 ms and gossips every 200 ms
	// (at 200 and 50 ms, a third of an idle daemon's CPU went to it), and
	// declares a dead member failed about 2 s after its death.
	"fast": {
		ProbeInterval: 500 * time.Millisecond, ProbeTimeout: 250 * time.Millisecond, SuspicionMult: 2,
		GossipInterval: 200 * time.Millisecond, ReconnectInterval: time.Second,
		Grace: 300 * time.Millisecond, QuorumGrace: 25 * time.Millisecond, Lease: 400 * time.Millisecond, FenceBudget: 150 * time.Millisecond,
		HoldDown: 10 * time.Second, Monitor: 200 * time.Millisecond, StartupWait: 1500 * time.Millisecond,
		Beacon: 100 * time.Millisecond, DataTimeout: 4 * time.Second,
	},
}

var timingNames = map[string]func(*Timings) *time.Duration{
	"probe_interval":     func(t *Timings) *time.Duration { return &t.ProbeInterval },
	"probe_timeout":      func(t *Timings) *time.Duration { return &t.ProbeTimeout },
	"gossip_interval":    func(t *Timings) *time.Duration { return &t.GossipInterval },
	"reconnect_interval": func(t *Timings) *time.Duration { return &t.ReconnectInterval },
	"grace":              func(t *Timings) *time.Duration { return &t.Grace },
	"quorum_grace":       func(t *Timings) *time.Duration { return &t.QuorumGrace },
	"lease":              func(t *Timings) *time.Duration { return &t.Lease },
	"fence_budget":       func(t *Timings) *time.Duration { return &t.FenceBudget },
	"hold_down":          func(t *Timings) *time.Duration { return &t.HoldDown },
	"monitor":            func(t *Timings) *time.Duration { return &t.Monitor },
	"startup_wait":       func(t *Timings) *time.Duration { return &t.StartupWait },
	"data_timeout":       func(t *Timings) *time.Duration { return &t.DataTimeout },
	"beacon_interval":    func(t *Timings) *time.Duration { return &t.Beacon },
}

func (t Timings) get(name string) time.Duration { return *timingNames[name](&t) }

// Timings returns the profile's timings with the overrides applied.
func (c *Config) Timings() (Timings, error) {
	t, ok := profiles[c.Profile]
	if !ok {
		return Timings{}, fmt.Errorf("unknown profile %q: want default or fast", c.Profile)
	}
	for name, v := range c.TimingOverrides {
		ptr, known := timingNames[name]
		if !known {
			return Timings{}, fmt.Errorf("unknown timing %q", name)
		}
		d, err := time.ParseDuration(v)
		if err != nil || d < 0 {
			return Timings{}, fmt.Errorf("timing %s: invalid duration %q", name, v)
		}
		*ptr(&t) = d
	}
	if t.Monitor <= 0 {
		return Timings{}, fmt.Errorf("timings: monitor must be positive")
	}
	if t.Beacon <= 0 {
		return Timings{}, fmt.Errorf("timings: beacon_interval must be positive")
	}
	if t.Lease < 4*t.Beacon {
		return Timings{}, fmt.Errorf("timings: lease (%s) must be at least 4 x beacon_interval (%s): a lease must span several beacons, or one lost datagram costs the quorum", t.Lease, t.Beacon)
	}
	if t.Lease < 2*t.Monitor {
		return Timings{}, fmt.Errorf("timings: lease (%s) must be at least 2 x monitor (%s): peers' reports are asked for every monitor interval, and one must be current within a lease", t.Lease, t.Monitor)
	}
	if t.DataTimeout <= 0 {
		return Timings{}, fmt.Errorf("timings: data_timeout must be positive: a sync to a node that died would wait for TCP, minutes")
	}
	if t.FenceBudget <= 0 {
		return Timings{}, fmt.Errorf("timings: fence_budget must be positive: a cut node needs time to drop its addresses")
	}
	return t, nil
}

// FenceCheck is the latency allowed to the fence watch: it wakes when a
// lease it needs runs out (daemon/fence.go), and is allowed a quarter of
// a beacon interval to get there and decide.
func (t Timings) FenceCheck() time.Duration { return t.Beacon / 4 }

// IdleRound is the pace of the rounds while the node is steady (nothing
// in progress, every monitored resource here with an event stream):
// what changes then runs a round at once, and the idle rounds are the
// net under it (a resource nobody monitors, a sync's schedule).
func (t Timings) IdleRound() time.Duration { return 10 * t.Monitor }

// PollTimeout bounds one ask of a peer: an answer later than half a lease
// would renew little of it.
func (t Timings) PollTimeout() time.Duration { return t.Lease / 2 }

// TakeoverAfter is how long none of the majority's members may have
// answered a lost node before the majority starts what it ran: its leases
// ran out (Lease), it noticed (QuorumGrace plus a fence check) and it
// dropped its addresses (FenceBudget).
func (t Timings) TakeoverAfter() time.Duration {
	return t.Lease + t.QuorumGrace + t.FenceCheck() + t.FenceBudget
}
