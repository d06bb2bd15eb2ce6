package cluster

import (
	"fmt"
	"time"
)

// Timings drive failure detection and orchestration. The safety rule they
// keep: a node that loses quorum fences its services (drops their
// addresses, then stops them) QuorumGrace after it notices, while the
// majority waits Grace after a member fails before starting anything the
// lost node ran. Grace exceeds QuorumGrace plus the detection skew between
// the two sides, so the address is gone before it reappears elsewhere.
type Timings struct {
	// memberlist failure detection
	ProbeInterval  time.Duration
	ProbeTimeout   time.Duration
	SuspicionMult  int
	GossipInterval time.Duration
	// ReconnectInterval is how often serf retries failed members: it
	// bounds how fast a healed node rejoins.
	ReconnectInterval time.Duration
	// Grace is how long a failed member must stay failed before the
	// survivors act on it. serf reports false failures right after a
	// partition heals; a rejoin within Grace cancels the action.
	Grace time.Duration
	// QuorumGrace is how long a node without quorum waits before fencing.
	QuorumGrace time.Duration
	// Monitor is the interval of local status checks (restarts, monitor
	// actions) and of orchestration rounds.
	Monitor time.Duration
	// StartupWait delays orchestration after the daemon starts, to learn
	// the peers' states first.
	StartupWait time.Duration
}

var profiles = map[string]Timings{
	// serf's LAN defaults: failure detected in about 6 s.
	"default": {
		ProbeInterval: time.Second, ProbeTimeout: 500 * time.Millisecond, SuspicionMult: 4,
		GossipInterval: 200 * time.Millisecond, ReconnectInterval: 5 * time.Second,
		Grace: 3 * time.Second, QuorumGrace: time.Second, Monitor: time.Second, StartupWait: 5 * time.Second,
	},
	// About 0.8 s to detect a failure (measured, see ../shared/NOTES.md).
	"fast": {
		ProbeInterval: 200 * time.Millisecond, ProbeTimeout: 100 * time.Millisecond, SuspicionMult: 2,
		GossipInterval: 50 * time.Millisecond, ReconnectInterval: time.Second,
		Grace: 600 * time.Millisecond, QuorumGrace: 100 * time.Millisecond, Monitor: 200 * time.Millisecond, StartupWait: 1500 * time.Millisecond,
	},
}

var timingNames = map[string]func(*Timings) *time.Duration{
	"probe_interval":     func(t *Timings) *time.Duration { return &t.ProbeInterval },
	"probe_timeout":      func(t *Timings) *time.Duration { return &t.ProbeTimeout },
	"gossip_interval":    func(t *Timings) *time.Duration { return &t.GossipInterval },
	"reconnect_interval": func(t *Timings) *time.Duration { return &t.ReconnectInterval },
	"grace":              func(t *Timings) *time.Duration { return &t.Grace },
	"quorum_grace":       func(t *Timings) *time.Duration { return &t.QuorumGrace },
	"monitor":            func(t *Timings) *time.Duration { return &t.Monitor },
	"startup_wait":       func(t *Timings) *time.Duration { return &t.StartupWait },
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
	if t.Grace <= t.QuorumGrace {
		return Timings{}, fmt.Errorf("timings: grace (%s) must exceed quorum_grace (%s): the majority must wait for the minority to fence", t.Grace, t.QuorumGrace)
	}
	return t, nil
}
