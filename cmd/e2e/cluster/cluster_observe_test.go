package cluster

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/omhcl/omhcl/testfixtures/clusterlab"
	"github.com/omhcl/omhcl/wire"
)

// Observability (issue 16): what om events and the metrics show of a
// failover.

// om events --json on the survivors, started before the node running the
// service dies, shows that death (the leases' word: member.gone), then on
// the node that takes the service over the decision to start it, the
// start done and the failover, in that order; serf's member.fail comes
// too, on both.
func TestClusterEventsShowTheFailover(t *testing.T) {
	h := newHALab(t)
	dead := h.holder
	streams := map[string]*eventStream{}
	for _, n := range h.others(dead) {
		streams[n] = startEvents(t, h, n)
	}
	killed := time.Now()
	h.Kill(dead)
	to := h.waitServed("after "+dead+" died", dead)
	h.settle("after "+dead+" died", to)

	seq := streams[to].waitFor(t, killed, 10*time.Second,
		step{"the loss of " + dead, func(e wire.Event) bool { return e.Kind == wire.EventMemberGone && e.Peer == dead }},
		step{"the decision to start web", func(e wire.Event) bool {
			return e.Kind == wire.EventDecision && e.Service == "web" && e.Action == "start" && e.Reason != ""
		}},
		step{"the start of web done", func(e wire.Event) bool {
			return e.Kind == wire.EventAction && e.Service == "web" && e.Action == "start" && e.Outcome == wire.OutcomeOK && e.Duration > 0
		}},
		step{"the failover of web from " + dead, func(e wire.Event) bool {
			return e.Kind == wire.EventFailover && e.Service == "web" && e.Peer == dead && e.Duration > 0
		}},
	)
	for _, e := range seq {
		t.Logf("%s", e.Text())
	}
	for _, s := range streams {
		s.waitFor(t, killed, 10*time.Second, step{"serf's word of the death of " + dead, func(e wire.Event) bool { return e.Kind == wire.EventMemberFail && e.Peer == dead }})
	}

	// the same, for a person: one line an event, its time with the date
	out := h.Must(to, "om", "node", "events", "--since", "5m", "--duration", "1s", "--kind", "member.", "--kind", "failover")
	if !strings.Contains(out, " "+to+" member.fail peer="+dead) || !strings.Contains(out, " failover service=web peer="+dead) {
		t.Errorf("om node events on %s:\n%s", to, out)
	}
	if _, err := time.Parse(time.RFC3339, strings.Fields(out)[0]); err != nil {
		t.Errorf("an event line does not begin with an RFC 3339 time: %v\n%s", err, out)
	}
}

// A 3-node lab whose daemons serve their metrics on TCP: a scrape of a
// survivor before and after the node running the service dies shows the
// instance states change and the failover counted.
func TestClusterMetricsThroughAFailover(t *testing.T) {
	lab := clusterlab.New(t, 3, clusterlab.Options{BinDir: binDir, Profile: "fast", DaemonArgv: func(n *clusterlab.Node) []string {
		return []string{filepath.Join(binDir, "om"), "daemon", "run", "--bind", fmt.Sprintf("%s:%d", n.Addr, clusterlab.GossipPort),
			"--profile", "fast", "--metrics-addr", n.Addr + ":9436"}
	}})
	lab.WaitDaemons()
	lab.Join()
	h := deployHA(t, lab)
	dead := h.holder
	others := h.others(dead)
	before := map[string]map[string]float64{}
	for _, n := range others {
		before[n] = h.scrape(n)
		h.expectSeries(before[n], n, "before", map[string]float64{
			instState("web", dead, "up"): 1, instState("web", dead, "down"): 0, instState("web", n, "down"): 1,
			`omhcl_service_running_instances{service="web"}`:                            1,
			`omhcl_node_quorum{node="` + n + `"}`:                                       1,
			`omhcl_node_members_alive{node="` + n + `"}`:                                3,
			`omhcl_node_peer_alive{node="` + n + `",peer="` + dead + `"}`:               1,
			`omhcl_service_failovers_total{node="` + n + `",service="web"}`:             0,
			`omhcl_service_fences_total{node="` + n + `",service="web"}`:                0,
			`omhcl_apply_failures_total{action="start",node="` + n + `",service="web"}`: 0,
		})
		if _, ok := before[n][`omhcl_node_lease_age_seconds{node="`+n+`",peer="`+dead+`"}`]; !ok {
			t.Errorf("%s shows no lease age from %s", n, dead)
		}
	}

	h.Kill(dead)
	to := h.waitServed("after "+dead+" died", dead)
	h.settle("after "+dead+" died", to)
	after := h.scrape(to)
	h.expectSeries(after, to, "after the failover", map[string]float64{
		instState("web", dead, "unknown"): 1, instState("web", dead, "up"): 0, instState("web", to, "up"): 1, instState("web", to, "down"): 0,
		`omhcl_service_running_instances{service="web"}`:                 1,
		`omhcl_node_members_alive{node="` + to + `"}`:                    2,
		`omhcl_node_peer_alive{node="` + to + `",peer="` + dead + `"}`:   0,
		`omhcl_service_failovers_total{node="` + to + `",service="web"}`: 1,
	})
	if d := after[`omhcl_service_last_failover_duration_seconds{node="`+to+`",service="web"}`]; d <= 0 || d > 30 {
		t.Errorf("the last failover to %s took %v s", to, d)
	}
	if n := after[`omhcl_apply_duration_seconds_count{action="start",node="`+to+`",service="web"}`]; n < 1 {
		t.Errorf("%s counts %v start(s) in omhcl_apply_duration_seconds", to, n)
	}
}

func instState(svc, node, st string) string {
	return fmt.Sprintf(`omhcl_service_instance_state{node=%q,service=%q,state=%q}`, node, svc, st)
}

// scrape gets node's metrics from the client namespace, as Prometheus
// would, and reads the samples by series.
func (h *haLab) scrape(node string) map[string]float64 {
	h.t.Helper()
	n, err := h.Node(node)
	h.Check(err)
	res, err := h.RunClient("curl", "-sS", "--max-time", "10", "http://"+n.Addr+":9436/metrics")
	h.Check(err)
	h.Check(res.Err())
	out := map[string]float64{}
	for _, line := range strings.Split(res.Stdout, "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if err != nil {
			h.t.Fatalf("%s: a sample that does not read: %q", node, line)
		}
		out[line[:i]] = v
	}
	return out
}

func (h *haLab) expectSeries(got map[string]float64, node, when string, want map[string]float64) {
	h.t.Helper()
	for series, v := range want {
		if g, ok := got[series]; !ok || g != v {
			h.t.Errorf("%s %s: %s = %v (present %v), want %v", node, when, series, g, ok, v)
		}
	}
}

// eventStream is om events --json running as a node, its events read as
// they come.
type eventStream struct {
	node   string
	mu     sync.Mutex
	events []wire.Event
	bad    []string
}

// startEvents runs om events --json as node until the test ends; the
// replay of the last minutes (--since) proves it connected.
func startEvents(t *testing.T, h *haLab, node string) *eventStream {
	t.Helper()
	n, err := h.Node(node)
	h.Check(err)
	cmd := exec.Command(filepath.Join(binDir, "om"), "events", "--json", "--since", "10m")
	cmd.Env = append(os.Environ(), "OMHCL_NODE="+n.Name, "OMHCL_STATE_DIR="+n.StateDir, "OMHCL_CONFIG="+n.ConfigDir)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s := &eventStream{node: node}
	read := make(chan struct{})
	go func() {
		defer close(read)
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			var e wire.Event
			s.mu.Lock()
			if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
				s.bad = append(s.bad, sc.Text())
			} else {
				s.events = append(s.events, e)
			}
			s.mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-read
		cmd.Wait()
		if len(s.bad) > 0 {
			t.Errorf("om events --json on %s printed lines that are not JSON: %q (stderr %s)", node, s.bad, stderr.String())
		}
	})
	// the daemon's start is in the replay: the stream is open
	s.waitFor(t, time.Time{}, 10*time.Second, step{"the replay", func(e wire.Event) bool { return e.Kind == wire.EventDaemonStart }})
	return s
}

type step struct {
	what string
	ok   func(wire.Event) bool
}

// waitFor waits until the stream holds events matching steps, in order,
// among those since from, and returns them.
func (s *eventStream) waitFor(t *testing.T, from time.Time, within time.Duration, steps ...step) []wire.Event {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		s.mu.Lock()
		var got []wire.Event
		for _, e := range s.events {
			if len(got) < len(steps) && !e.Time.Before(from) && steps[len(got)].ok(e) {
				got = append(got, e)
			}
		}
		all := append([]wire.Event(nil), s.events...)
		s.mu.Unlock()
		if len(got) == len(steps) {
			return got
		}
		if time.Now().After(deadline) {
			var b strings.Builder
			for _, e := range all {
				b.WriteString(e.Text() + "\n")
			}
			t.Fatalf("om events on %s: no %s after %d of the steps in %s; it printed:\n%s", s.node, steps[len(got)].what, len(got), within, b.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
}
