package daemon

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/omhcl/omhcl/testfixtures/loopback"
	"github.com/omhcl/omhcl/wire"
)

// A drained node starts nothing, and says it is held down; undrained, it
// starts the service it is the placement target of.
func TestDrainedNodeStartsNothing(t *testing.T) {
	state := t.TempDir()
	d, err := New(Options{Node: "n1", StateDir: state, Bind: fmt.Sprintf("127.0.0.1:%d", loopback.FreePortPair(t)), Profile: "fast", Log: testLog{t}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	var c *wire.Client
	for end := time.Now().Add(10 * time.Second); c == nil; time.Sleep(50 * time.Millisecond) {
		if c, _ = wire.Connect(ctx, state); c == nil && time.Now().After(end) {
			t.Fatal("the daemon does not answer")
		}
	}
	if err := c.Drain(ctx, true); err != nil {
		t.Fatal(err)
	}
	// stops by itself: nothing is left running after the test
	src := `service "dr" {
  nodes       = ["n1"]
  orchestrate = "ha"
  app "a" {
    type  = "simple"
    start = "/bin/sleep 8"
  }
}`
	if _, err := c.PushConfig(ctx, map[string]string{"dr": src}); err != nil {
		t.Fatal(err)
	}
	running := func() (bool, bool) {
		v, err := c.Mon(ctx)
		if err != nil {
			t.Fatal(err)
		}
		held := slices.ContainsFunc(v.Nodes, func(n wire.MonNode) bool { return n.Name == "n1" && n.HeldDown })
		for _, s := range v.Services {
			if s.Name == "dr" {
				return len(s.Running) > 0, held
			}
		}
		return false, held
	}
	// past the startup wait, several rounds
	time.Sleep(d.timings.StartupWait + 5*d.timings.Monitor)
	if on, held := running(); on || !held {
		t.Fatalf("drained: the service runs %v, the node held down %v; want not running, held down", on, held)
	}
	if err := c.Drain(ctx, false); err != nil {
		t.Fatal(err)
	}
	for end := time.Now().Add(5 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		on, held := running()
		if on && !held {
			break
		}
		if time.Now().After(end) {
			t.Fatalf("undrained: the service runs %v, the node held down %v 5 s later", on, held)
		}
	}
}
