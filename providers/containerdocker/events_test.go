package containerdocker

import (
	"context"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/moby/moby/client"
	"github.com/omhcl/omhcl/providers"
	"github.com/zclconf/go-cty/cty"
)

func TestEventsDocker(t *testing.T) { testEvents(t, "docker", dockerSocket) }
func TestEventsPodman(t *testing.T) { testEvents(t, "podman", podmanSocket) }

// eventBound is how late changed may come after a kill: the stream
// delivers in milliseconds, a monitor round is a second.
const eventBound = 500 * time.Millisecond

// testEvents: the stream of a resource reports its container's start and
// kill, not another resource's; the latency from the kill call to changed
// is logged for docs/containers-docker.md, next to a status poll's cost.
func testEvents(t *testing.T, engine, socket string) {
	l := newLab(t, engine, socket)
	attrs := map[string]cty.Value{"command": cmd("sleep", "300"), "stop_timeout": cty.StringVal("1s")}
	web, other := l.driver(l.resource("web", attrs)), l.driver(l.resource("other", attrs))
	l.start(other)

	got := make(chan time.Time, 100)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- web.Events(ctx, func() { got <- time.Now() }) }()
	defer func() {
		cancel()
		if err := <-done; err != context.Canceled {
			t.Errorf("Events after cancel: %v, want context.Canceled", err)
		}
	}()
	time.Sleep(200 * time.Millisecond) // the subscription is made
	var lat, calls []time.Duration
	for i := 0; i < 3; i++ {
		l.start(web)
		waitChanged(t, got, "start")
		drain(got)
		id := web.Exposed(ctx)["container_id"].AsString()
		begin := time.Now()
		if _, err := l.cli.ContainerKill(ctx, id, client.ContainerKillOptions{Signal: "KILL"}); err != nil {
			t.Fatal(err)
		}
		calls = append(calls, time.Since(begin))
		lat = append(lat, waitChanged(t, got, "kill").Sub(begin))
		wantEventuallyDown(t, web)
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	t.Logf("%s: kill call to changed(): %v (the kill calls took %v)", engine, lat, calls)

	// another resource's death is not this resource's event
	drain(got)
	if _, err := l.cli.ContainerKill(ctx, other.Exposed(ctx)["container_id"].AsString(), client.ContainerKillOptions{Signal: "KILL"}); err != nil {
		t.Fatal(err)
	}
	select {
	case <-got:
		t.Fatal("the kill of container#other reached container#web's stream")
	case <-time.After(300 * time.Millisecond):
	}

	// what one poll costs: a status check (list and inspect)
	begin := time.Now()
	const polls = 10
	for i := 0; i < polls; i++ {
		web.Status(ctx)
	}
	t.Logf("%s: one status poll takes %v", engine, time.Since(begin)/polls)
}

// waitChanged is when changed was called, within eventBound.
func waitChanged(t *testing.T, got chan time.Time, after string) time.Time {
	t.Helper()
	select {
	case at := <-got:
		return at
	case <-time.After(eventBound):
		t.Fatalf("no changed() within %s of the %s", eventBound, after)
		return time.Time{}
	}
}

// drain waits until the stream has been quiet for quietFor (a burst of
// kill, die and stop is over: on a loaded machine podman spreads one
// over more than 100 ms, and its tail was taken for another container's
// event), at most 5 s.
func drain(got chan time.Time) {
	const quietFor = 300 * time.Millisecond
	for end := time.Now().Add(5 * time.Second); time.Now().Before(end); {
		select {
		case <-got:
		case <-time.After(quietFor):
			return
		}
	}
}

func wantEventuallyDown(t *testing.T, d *driver) {
	t.Helper()
	for end := time.Now().Add(5 * time.Second); time.Now().Before(end); time.Sleep(20 * time.Millisecond) {
		if d.Status(context.Background()).State != providers.Up {
			return
		}
	}
	t.Fatalf("%s still up 5 s after its kill", d.r.RID())
}

func TestEventsNoEngineNamesTheResource(t *testing.T) {
	l := &lab{t: t, engine: "docker", service: "tevents", image: "busybox", socket: "/nonexistent/docker.sock"}
	d := l.driver(l.resource("web", nil))
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := d.Events(ctx, func() {})
	if err == nil || !strings.Contains(err.Error(), "container#web") || !strings.Contains(err.Error(), "event stream") {
		t.Fatalf("Events without an engine: %v, want an error naming container#web and its event stream", err)
	}
}
