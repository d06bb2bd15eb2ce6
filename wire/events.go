package wire

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The daemon's events (GET /v1/events): what happened on a node, as it
// happened, one JSON object per line (ndjson). om events prints them.

// EventKind names what happened. Kinds are grouped by their prefix
// (member., quorum., sync., config., node.): a filter names a kind or a
// prefix ending in a dot.
type EventKind string

const (
	// Membership, as serf tells this node (Peer: the member).
	EventMemberJoin EventKind = "member.join"
	EventMemberFail EventKind = "member.fail"
	// EventMemberGone: no member of this node's side answered the node
	// for the takeover wait: it holds no lease, has fenced if it lives,
	// and what it ran may be started elsewhere.
	EventMemberGone  EventKind = "member.gone"
	EventMemberLeave EventKind = "member.leave"
	// EventMemberBack: a node an operator vouched down is seen alive again.
	EventMemberBack EventKind = "member.back"

	// Quorum: lost (Reason says when the node fences), back (Duration:
	// how long it was lost).
	EventQuorumLost EventKind = "quorum.lost"
	EventQuorumBack EventKind = "quorum.back"
	// EventFence: the node without quorum dropped the addresses of Count
	// services in Duration (Error when some failed).
	EventFence EventKind = "fence"
	// EventHeld: this node yields its services to its peers (after a
	// fence, or its link degraded: Reason), for Duration once it is back.
	EventHeld EventKind = "node.held"

	// EventDecision: the orchestrator or the monitor launched an action on
	// Service here (Action: start, stop, fence, restart RID, converge,
	// standby, freezestop), and why; Peer is the node that should run it
	// when another (a relocation to Peer).
	EventDecision EventKind = "decision"
	// EventAction: that action finished: Outcome ok or failed (Error),
	// after Duration.
	EventAction EventKind = "action"
	// EventFailover: a start here of a service that last ran on Peer is
	// done; Duration counts from when this node saw it stop there (Peer's
	// failure, or its instance down) to the start done.
	EventFailover EventKind = "failover"
	// EventMonitor: a monitored resource (RID) is down and its restarts
	// are exhausted, or monitor_action is none (Reason).
	EventMonitor EventKind = "monitor"

	// EventRequest: an operator's action through the API (Action: start,
	// stop, freeze, thaw, switch, takeover, giveback, clear; Peer: the
	// node a relocation goes to).
	EventRequest EventKind = "request"
	// EventDrain and EventUndrain: the node was drained (Reason: until
	// when) or undrained; EventNodeFreeze and EventNodeThaw: frozen (it
	// orchestrates nothing) or thawed (om node freeze, thaw).
	EventDrain      EventKind = "node.drain"
	EventUndrain    EventKind = "node.undrain"
	EventNodeFreeze EventKind = "node.freeze"
	EventNodeThaw   EventKind = "node.thaw"

	// Syncs: to Peer, of Service's RID: done (Bytes, Duration) or failed
	// (Error).
	EventSyncDone   EventKind = "sync.done"
	EventSyncFailed EventKind = "sync.failed"

	// Configurations: stored (Gen, From) or refused (Error).
	EventConfigStored  EventKind = "config.stored"
	EventConfigRefused EventKind = "config.refused"

	// EventLinkDegraded: this node's link loses its lease beacons to every
	// peer while they reach one another (Reason).
	EventLinkDegraded EventKind = "link.degraded"

	// The daemon itself: started, stopping (Reason: the signal).
	EventDaemonStart EventKind = "daemon.start"
	EventDaemonStop  EventKind = "daemon.stop"

	// EventLagged is the last event a subscriber gets when it read too
	// slowly: Count events were dropped, and the stream ends. Read again.
	EventLagged EventKind = "lagged"
)

// Event is one thing that happened on Node. Only the fields its kind
// uses are set.
type Event struct {
	Seq     uint64    `json:"seq"` // per daemon, from 1 at its start
	Time    time.Time `json:"time"`
	Node    string    `json:"node"`
	Kind    EventKind `json:"kind"`
	Service string    `json:"service,omitempty"`
	RID     string    `json:"rid,omitempty"`
	// Peer is the other node an event is about: a member, the node a
	// relocation goes to, a sync's target.
	Peer     string  `json:"peer,omitempty"`
	Action   string  `json:"action,omitempty"`
	Reason   string  `json:"reason,omitempty"`
	Outcome  string  `json:"outcome,omitempty"` // ok, failed
	Error    string  `json:"error,omitempty"`
	Duration float64 `json:"duration_seconds,omitempty"`
	Bytes    int64   `json:"bytes,omitempty"`
	Count    int     `json:"count,omitempty"`
	Gen      int64   `json:"generation,omitempty"`
	From     string  `json:"from,omitempty"` // where a configuration came from
}

// Outcomes of an action or a sync.
const (
	OutcomeOK     = "ok"
	OutcomeFailed = "failed"
)

// Text is e on one line for a person: RFC 3339 time, node, kind, then
// the fields set, as key=value (quoted when they hold spaces).
func (e Event) Text() string {
	var b strings.Builder
	b.WriteString(e.Time.Format("2006-01-02T15:04:05.000Z07:00"))
	b.WriteString(" " + e.Node + " " + string(e.Kind))
	kv := func(k, v string) {
		if v == "" {
			return
		}
		if strings.ContainsAny(v, " \t\n\"=") {
			v = strconv.Quote(v)
		}
		b.WriteString(" " + k + "=" + v)
	}
	num := func(k string, n int64) {
		if n != 0 {
			kv(k, strconv.FormatInt(n, 10))
		}
	}
	kv("service", e.Service)
	kv("rid", e.RID)
	kv("peer", e.Peer)
	kv("action", e.Action)
	kv("outcome", e.Outcome)
	if e.Duration != 0 {
		kv("duration", time.Duration(e.Duration*float64(time.Second)).Round(time.Millisecond).String())
	}
	num("bytes", e.Bytes)
	num("count", int64(e.Count))
	num("generation", e.Gen)
	kv("from", e.From)
	kv("reason", e.Reason)
	kv("error", e.Error)
	return b.String()
}

// EventsRequest selects what GET /v1/events streams.
type EventsRequest struct {
	// Since replays the events the daemon kept (its last few hundred)
	// that are younger than this, before the new ones; 0: new ones only.
	Since time.Duration
	// Kinds keeps the events of these kinds, or of a prefix ending in a
	// dot ("member."); empty: every kind.
	Kinds []string
	// Services keeps the events of these services only; empty: every
	// event, those of no service (membership, quorum) too.
	Services []string
}

// Query is r as the URL query of GET /v1/events.
func (r EventsRequest) Query() string {
	q := url.Values{}
	if r.Since > 0 {
		q.Set("since", r.Since.String())
	}
	for _, k := range r.Kinds {
		q.Add("kind", k)
	}
	for _, s := range r.Services {
		q.Add("service", s)
	}
	if len(q) == 0 {
		return ""
	}
	return "?" + q.Encode()
}

// ParseEventsRequest reads the query of GET /v1/events.
func ParseEventsRequest(q url.Values) (EventsRequest, error) {
	r := EventsRequest{Kinds: q["kind"], Services: q["service"]}
	if s := q.Get("since"); s != "" {
		d, err := time.ParseDuration(s)
		if err != nil || d < 0 {
			return r, fmt.Errorf("since=%q: want a duration such as 5m", s)
		}
		r.Since = d
	}
	return r, nil
}

// Match says whether the request keeps e. A lagged event is always kept.
func (r EventsRequest) Match(e Event) bool {
	if e.Kind == EventLagged {
		return true
	}
	if len(r.Kinds) > 0 && !matchKind(r.Kinds, e.Kind) {
		return false
	}
	return len(r.Services) == 0 || slices.Contains(r.Services, e.Service)
}

func matchKind(kinds []string, k EventKind) bool {
	for _, want := range kinds {
		if string(k) == want || (strings.HasSuffix(want, ".") && strings.HasPrefix(string(k), want)) {
			return true
		}
	}
	return false
}

// Events streams the daemon's events into fn, until ctx ends, fn returns
// an error, or the daemon ends the stream (it stops, or the reader was
// too slow: the last event is then EventLagged). The stream's end is an
// error but for ctx's (nil then).
func (c *Client) Events(ctx context.Context, r EventsRequest, fn func(Event) error) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.base+"/v1/events"+r.Query(), nil)
	if err != nil {
		return err
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	// a stream has no deadline of its own: ctx ends it
	hc := *c.http
	hc.Timeout = 0
	resp, err := hc.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return answerError(resp)
	}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		var e Event
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			return fmt.Errorf("event stream: %w", err)
		}
		if err := fn(e); err != nil {
			return err
		}
	}
	if ctx.Err() != nil {
		return nil
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("event stream: %w", err)
	}
	return io.ErrUnexpectedEOF
}
