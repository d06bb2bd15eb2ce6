package wire

import (
	"net/url"
	"testing"
	"time"
)

// An event on one line for a person: RFC 3339 time, node, kind, then the
// fields set, quoted when they hold spaces.
func TestEventText(t *testing.T) {
	at := time.Date(2026, 12, 6, 3, 26, 6, 201e6, time.UTC)
	for _, c := range []struct {
		e    Event
		want string
	}{
		{Event{Time: at, Node: "node2", Kind: EventMemberFail, Peer: "node1"}, "2026-12-06T03:26:06.201Z node2 member.fail peer=node1"},
		{Event{Time: at, Node: "node2", Kind: EventDecision, Service: "web", Action: "start", Reason: "not running anywhere, this node is the placement target"},
			`2026-12-06T03:26:06.201Z node2 decision service=web action=start reason="not running anywhere, this node is the placement target"`},
		{Event{Time: at, Node: "node2", Kind: EventSyncDone, Service: "data", RID: "sync#0", Peer: "node3", Outcome: OutcomeOK, Bytes: 4096, Duration: 1.5},
			"2026-12-06T03:26:06.201Z node2 sync.done service=data rid=sync#0 peer=node3 outcome=ok duration=1.5s bytes=4096"},
		{Event{Time: at, Node: "node2", Kind: EventConfigRefused, Service: "db", Gen: 2, From: "peer node1", Error: `a "quoted" word`},
			`2026-12-06T03:26:06.201Z node2 config.refused service=db generation=2 from="peer node1" error="a \"quoted\" word"`},
	} {
		if got := c.e.Text(); got != c.want {
			t.Errorf("got  %s\nwant %s", got, c.want)
		}
	}
}

// The query of GET /v1/events reads back as it was written, and selects
// by kind, kind prefix and service; a lagged event passes every filter.
func TestEventsRequest(t *testing.T) {
	r := EventsRequest{Since: 10 * time.Minute, Kinds: []string{"member.", "failover"}, Services: []string{"web"}}
	q, err := url.ParseQuery(r.Query()[1:])
	if err != nil {
		t.Fatal(err)
	}
	back, err := ParseEventsRequest(q)
	if err != nil || back.Since != r.Since || len(back.Kinds) != 2 || len(back.Services) != 1 {
		t.Fatalf("%q read back as %+v, %v", r.Query(), back, err)
	}
	for _, c := range []struct {
		e    Event
		want bool
	}{
		{Event{Kind: EventFailover, Service: "web"}, true},
		{Event{Kind: EventFailover, Service: "db"}, false},
		{Event{Kind: EventMemberFail, Service: ""}, false}, // a service is asked for
		{Event{Kind: EventDecision, Service: "web"}, false},
		{Event{Kind: EventLagged}, true},
	} {
		if got := back.Match(c.e); got != c.want {
			t.Errorf("%s of %q: match %v, want %v", c.e.Kind, c.e.Service, got, c.want)
		}
	}
	if !(EventsRequest{Kinds: []string{"member."}}).Match(Event{Kind: EventMemberFail}) {
		t.Error("member. does not select member.fail")
	}
	if (EventsRequest{Kinds: []string{"member"}}).Match(Event{Kind: EventMemberFail}) {
		t.Error("member (no dot) selects member.fail")
	}
	if _, err := ParseEventsRequest(url.Values{"since": {"yesterday"}}); err == nil {
		t.Error("since=yesterday is taken")
	}
}
