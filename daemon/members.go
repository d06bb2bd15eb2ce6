package daemon

import (
	"fmt"
	"io"
	"log"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/memberlist"
	"github.com/hashicorp/serf/serf"
	"github.com/omhcl/omhcl/wire"
)

// member is a cluster node as serf reports it, with the time its status
// last changed: failures are acted on only after a grace period.
type member struct {
	Name     string
	Addr     net.IP
	Port     uint16 // gossip port
	PeerPort int
	Status   string // alive, failed, left
	Since    time.Time
	Tags     map[string]string
}

// membership wraps the serf agent.
type membership struct {
	d    *Daemon
	mu   sync.Mutex
	serf *serf.Serf
	byID map[string]*member
	evCh chan serf.Event
	// version counts membership events: a cached member list older than
	// the last is read again (cachedMembers).
	version atomic.Uint64
}

func (d *Daemon) serfConfig(key []byte) (*serf.Config, error) {
	host, portStr, err := net.SplitHostPort(d.opts.Bind)
	if err != nil {
		return nil, fmt.Errorf("--bind %q: %w", d.opts.Bind, err)
	}
	port, err := strconv.Atoi(portStr)
	if err != nil {
		return nil, fmt.Errorf("--bind %q: bad port", d.opts.Bind)
	}
	t := d.timings
	ml := memberlist.DefaultLANConfig()
	ml.BindAddr, ml.BindPort = host, port
	ml.ProbeInterval, ml.ProbeTimeout = t.ProbeInterval, t.ProbeTimeout
	ml.SuspicionMult, ml.GossipInterval = t.SuspicionMult, t.GossipInterval
	ml.SecretKey = key
	// Compression builds an LZW table for every message, a 60-byte ping
	// included: it was most of memberlist's CPU on an idle daemon.
	ml.EnableCompression = false
	ml.LogOutput = io.Discard
	conf := serf.DefaultConfig()
	conf.Init()
	conf.NodeName = d.opts.Node
	conf.MemberlistConfig = ml
	conf.ReconnectInterval = t.ReconnectInterval
	conf.ReconnectTimeout = 72 * time.Hour
	conf.TombstoneTimeout = 72 * time.Hour
	// The snapshot makes a restarted daemon rejoin the members it knew.
	conf.SnapshotPath = filepath.Join(d.opts.StateDir, "serf.snapshot")
	conf.LogOutput = io.Discard
	if os.Getenv("OMHCL_SERF_LOG") != "" {
		conf.Logger = log.New(os.Stderr, "serf: ", log.LstdFlags)
		conf.LogOutput = nil
		ml.Logger = conf.Logger
		ml.LogOutput = nil
	}
	conf.Tags = d.tags()
	return conf, nil
}

// start creates the serf agent with the cluster secret as gossip key.
func (m *membership) start() error {
	key, err := m.d.cluster.Key()
	if err != nil {
		return err
	}
	conf, err := m.d.serfConfig(key)
	if err != nil {
		return err
	}
	m.evCh = make(chan serf.Event, 256)
	conf.EventCh = m.evCh
	s, err := serf.Create(conf)
	if err != nil {
		return fmt.Errorf("serf on %s: %w", m.d.opts.Bind, err)
	}
	m.mu.Lock()
	m.serf = s
	m.byID = map[string]*member{}
	m.mu.Unlock()
	go m.events(m.evCh)
	return nil
}

// stop leaves the cluster gracefully when asked to, else just shuts down.
func (m *membership) stop(leave bool) {
	m.mu.Lock()
	s := m.serf
	m.mu.Unlock()
	if s == nil {
		return
	}
	if leave {
		s.Leave()
	}
	s.Shutdown()
}

// events records every status change when serf reports it, so a member
// that flaps (failed, joined, failed again) restarts its grace period at
// its last failure: a poll of the member list could miss the join between.
func (m *membership) events(ch chan serf.Event) {
	for e := range ch {
		me, ok := e.(serf.MemberEvent)
		if !ok {
			continue
		}
		st := map[serf.EventType]string{
			serf.EventMemberJoin: "alive", serf.EventMemberFailed: "failed",
			serf.EventMemberLeave: "left", serf.EventMemberReap: "left",
		}[me.EventType()]
		now := time.Now()
		m.mu.Lock()
		for _, mb := range me.Members {
			if st == "failed" {
				m.d.warnf("member %s: %s", mb.Name, me.EventType())
			} else {
				m.d.logf("member %s: %s", mb.Name, me.EventType())
			}
			cur, known := m.byID[mb.Name]
			if st != "" && (!known || cur.Status != st || st == "failed") {
				m.byID[mb.Name] = &member{Name: mb.Name, Status: st, Since: now, Addr: mb.Addr, Tags: mb.Tags}
				if kind := memberEvents[st]; kind != "" && mb.Name != m.d.opts.Node {
					e := wire.Event{Kind: kind, Peer: mb.Name}
					if me.EventType() == serf.EventMemberReap {
						e.Reason = "reaped: failed for longer than the reconnect timeout"
					}
					m.d.emit(e)
				}
			}
		}
		m.mu.Unlock()
		m.refresh()
		m.version.Add(1)
		m.d.wakeRound()
		if st == "alive" {
			select {
			case m.d.pollNow <- struct{}{}:
			default:
			}
		}
	}
}

// refresh reads serf's member list for addresses and tags; it
// sets the status of members no event told about yet (this node itself,
// members learned from the snapshot).
func (m *membership) refresh() {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.serf == nil {
		return
	}
	now := time.Now()
	for _, mb := range m.serf.Members() {
		cur, ok := m.byID[mb.Name]
		if !ok {
			cur = &member{Name: mb.Name, Status: statusName(mb.Status), Since: now}
			m.byID[mb.Name] = cur
		}
		cur.Addr, cur.Port = mb.Addr, mb.Port
		cur.Tags = mb.Tags
		cur.PeerPort, _ = strconv.Atoi(mb.Tags["peer"])
	}
}

// snapshot returns a copy of the members.
func (m *membership) snapshot() map[string]member {
	m.refresh()
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make(map[string]member, len(m.byID))
	for k, v := range m.byID {
		out[k] = *v
	}
	return out
}

func (m *membership) join(addrs ...string) (int, error) {
	m.mu.Lock()
	s := m.serf
	m.mu.Unlock()
	return s.Join(addrs, true)
}

func (m *membership) setTags(tags map[string]string) {
	m.mu.Lock()
	s := m.serf
	m.mu.Unlock()
	if s != nil {
		s.SetTags(tags)
	}
}

// memberEvents are the events of a member's new status.
var memberEvents = map[string]wire.EventKind{"alive": wire.EventMemberJoin, "failed": wire.EventMemberFail, "left": wire.EventMemberLeave}

func statusName(s serf.MemberStatus) string {
	switch s {
	case serf.StatusAlive:
		return "alive"
	case serf.StatusFailed:
		return "failed"
	case serf.StatusLeft, serf.StatusLeaving:
		return "left"
	}
	return "unknown"
}
