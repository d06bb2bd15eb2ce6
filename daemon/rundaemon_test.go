package daemon

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/omhcl/omhcl/testfixtures/loopback"
	"github.com/omhcl/omhcl/wire"
)

// testOptions are a one-node daemon's options on loopback, as n1.
func testOptions(t *testing.T, state, profile string) Options {
	return Options{Node: "n1", StateDir: state, Bind: fmt.Sprintf("127.0.0.1:%d", loopback.FreePortPair(t)), Profile: profile, Log: testLog{t}}
}

// serveDaemon runs d in the test's process until the test ends, and
// returns a client of its API once it answers.
func serveDaemon(t *testing.T, d *Daemon) (*wire.Client, context.Context) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	for end := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		select {
		case err := <-done: // a port it could not bind, say
			done <- err // for the cleanup
			t.Fatalf("the daemon stopped at its start: %v", err)
		default:
		}
		if c, err := wire.Connect(ctx, d.opts.StateDir); err == nil && c != nil {
			return c, ctx
		}
		if time.Now().After(end) {
			t.Fatal("the daemon does not answer")
		}
	}
}

// runTestDaemon runs a one-node daemon, fast profile, on state.
func runTestDaemon(t *testing.T, state string) (*Daemon, *wire.Client, context.Context) {
	t.Helper()
	d, err := New(testOptions(t, state, "fast"))
	if err != nil {
		t.Fatal(err)
	}
	c, ctx := serveDaemon(t, d)
	return d, c, ctx
}
