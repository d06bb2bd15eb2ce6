package daemon

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/omhcl/omhcl/plan"
	"github.com/omhcl/omhcl/providers"
	"github.com/omhcl/omhcl/testfixtures/loopback"
	"github.com/omhcl/omhcl/wire"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

// runOneNode runs a daemon of one node for the test; stop stops it (the
// test's end does too).
func runOneNode(t *testing.T, opts Options) (c *wire.Client, stop func()) {
	t.Helper()
	opts.Node, opts.StateDir, opts.Profile = "n1", t.TempDir(), "fast"
	opts.Bind = fmt.Sprintf("127.0.0.1:%d", loopback.FreePortPair(t))
	if opts.Log == nil {
		opts.Log = testLog{t}
	}
	d, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancelCause(context.Background())
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx) }()
	var once sync.Once
	stop = func() { once.Do(func() { cancel(fmt.Errorf("the test ends")); <-done }) }
	t.Cleanup(stop)
	for end := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if c, _ := wire.Connect(ctx, opts.StateDir); c != nil {
			return c, stop
		}
		if time.Now().After(end) {
			t.Fatal("the daemon does not answer")
		}
	}
}

// The metrics listener refuses a scrape without the token (401, and the
// connection closed), serves one with it, and GET /metrics on the API
// socket serves the same series.
func TestMetricsListener(t *testing.T) {
	token := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(token, []byte("0123456789abcdef0123\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	addr := fmt.Sprintf("127.0.0.1:%d", loopback.FreePortPair(t))
	runOneNode(t, Options{Metrics: MetricsAPI{Addr: addr, TokenFile: token}})

	for _, auth := range []string{"", "Bearer wrong-token-0123456789"} {
		conn, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		req := "GET /metrics HTTP/1.1\r\nHost: x\r\n"
		if auth != "" {
			req += "Authorization: " + auth + "\r\n"
		}
		fmt.Fprint(conn, req+"\r\n")
		conn.SetReadDeadline(time.Now().Add(5 * time.Second))
		br := bufio.NewReader(conn)
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		if resp.StatusCode != http.StatusUnauthorized || !resp.Close {
			t.Errorf("Authorization %q: %s, Connection: close %v; want 401 and close", auth, resp.Status, resp.Close)
		}
		if _, err := br.ReadByte(); err != io.EOF {
			t.Errorf("Authorization %q: the connection is still open after the refusal (%v)", auth, err)
		}
		conn.Close()
	}

	req, _ := http.NewRequest("GET", "http://"+addr+"/metrics", nil)
	req.Header.Set("Authorization", "Bearer 0123456789abcdef0123")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{`omhcl_node_quorum{node="n1"} 1`, `omhcl_node_members_alive{node="n1"} 1`,
		`omhcl_events_total{kind="daemon.start",node="n1"} 1`, "process_resident_memory_bytes"} {
		if !strings.Contains(string(body), want) {
			t.Errorf("the scrape (%s) lacks %s:\n%s", resp.Status, want, body)
		}
	}
}

// The daemon's log: a level and an RFC 3339 time with its date on every
// line, key=value text or JSON; a start line, and a stop line with why.
func TestDaemonLogFormats(t *testing.T) {
	for _, format := range []string{LogText, LogJSON} {
		t.Run(format, func(t *testing.T) {
			var log syncBuffer
			c, stop := runOneNode(t, Options{Log: &log, LogFormat: format})
			if _, err := c.Action(context.Background(), "nosuch", wire.ActionRequest{Action: "freeze"}); err == nil {
				t.Fatal("an action on no service succeeded")
			}
			stop()
			out := log.String()
			for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
				ok := strings.HasPrefix(l, "time=20") && strings.Contains(l, " level=")
				if format == LogJSON {
					ok = strings.HasPrefix(l, `{"time":"20`) && strings.Contains(l, `"level":"`)
				}
				if !ok {
					t.Errorf("a %s line without time and level: %s", format, l)
				}
			}
			for _, want := range []string{"daemon starting", "daemon stopping", "the test ends", "daemon stopped"} {
				if !strings.Contains(out, want) {
					t.Errorf("the log lacks %q:\n%s", want, out)
				}
			}
		})
	}
}

// syncBuffer is a log written by several goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// The API socket serves the metrics and the events too: a replay shows
// the daemon's start.
func TestMetricsAndEventsOnTheSocket(t *testing.T) {
	c, _ := runOneNode(t, Options{})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var got []wire.Event
	err := c.Events(ctx, wire.EventsRequest{Since: time.Minute}, func(e wire.Event) error {
		got = append(got, e)
		return io.EOF
	})
	if err != io.EOF || len(got) != 1 || got[0].Kind != wire.EventDaemonStart || got[0].Node != "n1" {
		t.Fatalf("the replay: %v %+v, want the daemon's start", err, got)
	}
}

// docs/metrics.md lists every series the daemon exports, and the Grafana
// dashboard and the alert rules use no other.
func TestMetricsAreDocumented(t *testing.T) {
	d := &Daemon{opts: Options{Node: "n1"}, bus: newEventBus()}
	m := newMetrics(d)
	ch := make(chan *prometheus.Desc, 100)
	m.Describe(ch)
	m.applyDuration.Describe(ch)
	m.agentDuration.Describe(ch)
	close(ch)
	names := map[string]bool{}
	for desc := range ch {
		names[descName(desc)] = true
	}
	doc, err := os.ReadFile("../docs/metrics.md")
	if err != nil {
		t.Fatal(err)
	}
	for n := range names {
		if !strings.Contains(string(doc), "| `"+n+"` |") {
			t.Errorf("docs/metrics.md does not list %s", n)
		}
	}
	dash, err := os.ReadFile("../contrib/grafana/omhcl.json")
	if err != nil {
		t.Fatal(err)
	}
	used := regexp.MustCompile(`omhcl_[a-z_]+`)
	for _, src := range []struct {
		name string
		text []byte
	}{{"contrib/grafana/omhcl.json", dash}, {"docs/metrics.md", doc}} {
		for _, u := range used.FindAllString(string(src.text), -1) {
			base := strings.TrimSuffix(strings.TrimSuffix(strings.TrimSuffix(u, "_bucket"), "_count"), "_sum")
			if !names[base] && !names[u] {
				t.Errorf("%s uses %s, which the daemon does not export", src.name, u)
			}
		}
	}
}

var fqName = regexp.MustCompile(`fqName: "([a-z_]+)"`)

// descName is a descriptor's metric name.
func descName(desc *prometheus.Desc) string {
	return fqName.FindStringSubmatch(desc.String())[1]
}

// timedFake answers a status checked at checked, and converges at once.
type timedFake struct{ checked time.Time }

func (f timedFake) Status(context.Context, plan.EncapHost, providers.Executor, bool) *plan.EncapStatus {
	return &plan.EncapStatus{CheckedAt: f.checked}
}

func (f timedFake) Converge(context.Context, plan.EncapHost, providers.Executor, plan.EncapRequest, *providers.Log) error {
	return nil
}

// The agents' calls are timed: a status asked now and a converge count,
// a status from the cache does not.
func TestAgentCallsAreTimed(t *testing.T) {
	d := &Daemon{opts: Options{Node: "n1"}, bus: newEventBus()}
	d.metrics = newMetrics(d)
	h := plan.EncapHost{Service: "web", Container: "container#0", Node: "vm1"}
	count := func(verb string) uint64 {
		var m dto.Metric
		d.metrics.agentDuration.WithLabelValues("web", verb).(prometheus.Histogram).Write(&m)
		return m.GetHistogram().GetSampleCount()
	}
	timedAgents{timedFake{checked: time.Now().Add(-time.Minute)}, d.metrics}.Status(context.Background(), h, nil, false)
	if n := count("status"); n != 0 {
		t.Errorf("a cached status counted as %d call(s)", n)
	}
	a := timedAgents{timedFake{checked: time.Now().Add(time.Millisecond)}, d.metrics}
	a.Status(context.Background(), h, nil, true)
	a.Converge(context.Background(), h, nil, plan.EncapRequest{}, nil)
	if s, c := count("status"), count("converge"); s != 1 || c != 1 {
		t.Errorf("%d status and %d converge calls counted, want 1 each", s, c)
	}
}
