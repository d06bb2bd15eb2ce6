package daemon

import (
	"context"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/omhcl/omhcl/wire"
)

// drService is a service of n1 alone, whose app stops by itself: nothing
// is left running after the test.
const drService = `service "dr" {
  nodes       = ["n1"]
  orchestrate = "ha"
  app "a" {
    type  = "simple"
    start = "/bin/sleep 8"
  }
}`

// drRunning says whether the daemon shows dr running (and claimed by
// n1), and n1 as om mon shows it.
func drRunning(t *testing.T, ctx context.Context, c *wire.Client) (bool, wire.MonNode) {
	t.Helper()
	v, err := c.Mon(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var n1 wire.MonNode
	if i := slices.IndexFunc(v.Nodes, func(n wire.MonNode) bool { return n.Name == "n1" }); i >= 0 {
		n1 = v.Nodes[i]
	}
	for _, s := range v.Services {
		if s.Name == "dr" {
			// and claimed: a start's claim is written after it, and the
			// test's state directory must not be written once removed
			return len(s.Running) > 0 && s.Preferred == "n1", n1
		}
	}
	return false, n1
}

func waitDr(t *testing.T, ctx context.Context, c *wire.Client, what string, ok func(bool, wire.MonNode) bool) {
	t.Helper()
	for end := time.Now().Add(5 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		on, n1 := drRunning(t, ctx, c)
		if ok(on, n1) {
			return
		}
		if time.Now().After(end) {
			t.Fatalf("%s: 5 s later, dr runs %v, n1 is %+v", what, on, n1)
		}
	}
}

// A drained node starts nothing, and says it is held down; undrained, it
// starts the service it is the placement target of.
func TestDrainedNodeStartsNothing(t *testing.T) {
	d, c, ctx := runTestDaemon(t, t.TempDir())
	if err := c.Drain(ctx, true); err != nil {
		t.Fatal(err)
	}
	if _, err := c.PushConfig(ctx, map[string]string{"dr": drService}); err != nil {
		t.Fatal(err)
	}
	// past the startup wait, several rounds
	time.Sleep(d.timings.StartupWait + 5*d.timings.Monitor)
	if on, n1 := drRunning(t, ctx, c); on || !n1.HeldDown || !n1.Drained {
		t.Fatalf("drained: the service runs %v, the node %+v; want not running, held down and drained", on, n1)
	}
	if err := c.Drain(ctx, false); err != nil {
		t.Fatal(err)
	}
	waitDr(t, ctx, c, "undrained", func(on bool, n1 wire.MonNode) bool { return on && !n1.HeldDown && !n1.Draining })
}

// A node drained while it runs a service no other node can take keeps
// it, and says why; om node drain's drain is kept on disk, the agent's
// is not.
func TestDrainKeepsWhatNoOtherNodeTakes(t *testing.T) {
	state := t.TempDir()
	_, c, ctx := runTestDaemon(t, state)
	if _, err := c.PushConfig(ctx, map[string]string{"dr": drService}); err != nil {
		t.Fatal(err)
	}
	waitDr(t, ctx, c, "deployed", func(on bool, _ wire.MonNode) bool { return on })
	on := true
	st, err := c.SetNode(ctx, wire.NodeRequest{Drain: &on})
	if err != nil {
		t.Fatal(err)
	}
	if !st.Draining || !st.Kept || st.Drained {
		t.Fatalf("after om node drain: %+v; want draining, kept, not drained", st)
	}
	for end := time.Now().Add(5 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if st, err = c.Node(ctx); err != nil {
			t.Fatal(err)
		}
		if len(st.Running) == 1 && strings.Contains(st.Running[0].Why, "no other node") {
			break
		}
		if time.Now().After(end) {
			t.Fatalf("draining, 5 s later: %+v; want dr still running, as no other node can take it", st)
		}
	}
	if _, err := os.Stat(state + "/node-maintenance.json"); err != nil {
		t.Errorf("om node drain is not kept on disk: %v", err)
	}
	if err := c.Drain(ctx, false); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(state + "/node-maintenance.json"); !os.IsNotExist(err) {
		t.Errorf("undrained, the state file is still there (%v)", err)
	}
	if err := c.Drain(ctx, true); err != nil { // the encap agent's: until restart
		t.Fatal(err)
	}
	if st, err = c.Node(ctx); err != nil || st.Kept {
		t.Errorf("the agent's drain: %+v (%v); want not kept", st, err)
	}
	if _, err := os.Stat(state + "/node-maintenance.json"); !os.IsNotExist(err) {
		t.Errorf("the agent's drain was written on disk (%v)", err)
	}
}

// A frozen node starts nothing of its own accord, and stays frozen when
// its daemon restarts; thawed, it starts the service it is the target of.
func TestFrozenNodeStartsNothingUntilThawed(t *testing.T) {
	state := t.TempDir()
	d, c, ctx := runTestDaemon(t, state)
	on := true
	if _, err := c.SetNode(ctx, wire.NodeRequest{Freeze: &on}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.PushConfig(ctx, map[string]string{"dr": drService}); err != nil {
		t.Fatal(err)
	}
	time.Sleep(d.timings.StartupWait + 5*d.timings.Monitor)
	if on, n1 := drRunning(t, ctx, c); on || !n1.Frozen || !n1.HeldDown {
		t.Fatalf("frozen: the service runs %v, the node %+v; want not running, frozen and held down", on, n1)
	}
	again, err := New(Options{Node: "n1", StateDir: state, Log: testLog{t}})
	if err != nil {
		t.Fatal(err)
	}
	if !again.isFrozen() || again.isDraining() {
		t.Errorf("a daemon started again: frozen %v, draining %v; want frozen only", again.isFrozen(), again.isDraining())
	}
	off := false
	if _, err := c.SetNode(ctx, wire.NodeRequest{Freeze: &off}); err != nil {
		t.Fatal(err)
	}
	waitDr(t, ctx, c, "thawed", func(on bool, n1 wire.MonNode) bool { return on && !n1.Frozen })
}

// A state file that does not read keeps the daemon from starting: a node
// meant to be drained must not take services back.
func TestUnreadableMaintenanceStateIsAnError(t *testing.T) {
	state := t.TempDir()
	if err := os.WriteFile(state+"/node-maintenance.json", []byte("{drained"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := New(Options{Node: "n1", StateDir: state, Log: testLog{t}})
	if err == nil || !strings.Contains(err.Error(), "node-maintenance.json") {
		t.Fatalf("New with a corrupt maintenance state: %v; want an error naming the file", err)
	}
}
