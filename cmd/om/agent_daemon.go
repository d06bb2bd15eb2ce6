package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/omhcl/omhcl/cmd/internal/cli"
	"github.com/omhcl/omhcl/plan"
	"github.com/omhcl/omhcl/state"
	"github.com/omhcl/omhcl/wire"
)

// The agent in a container that runs a daemon of its own (seed 002's
// farmed topologies: each container is a node of a cluster of containers,
// whose daemons place the encapsulated service among them). The node must
// not fight those daemons: the agent leaves placement to the daemon there
// (targets up, standby, provision: plan.PlacedInside) and hands it the
// node's configuration of the service; it acts itself only for down and
// unprovision, when the container is going away, once it has drained the
// daemon (daemon/drain.go). Its status says a daemon places the level, so
// that the node's plan leaves it alone.

// daemonStartWait bounds the wait for a daemon whose process runs in the
// container but does not answer yet: the container was just started with
// `om daemon run` as its command, and the node's agent call came first.
const daemonStartWait = 10 * time.Second

// agentStatus is what `om agent status` prints: the level's live state,
// and whether a daemon inside places it.
type agentStatus struct {
	*plan.LiveInstance
	Orchestrated bool `json:"orchestrated,omitempty"`
}

// withDaemon is the status of the level in li, marked orchestrated when a
// daemon runs here, which then gets the node's configuration of svc: a
// configuration the node changed reaches it at the node's next status.
func withDaemon(ctx context.Context, e *cli.Env, svc string, li *plan.LiveInstance) (agentStatus, error) {
	c, err := insideDaemon(ctx, e)
	if c == nil || err != nil {
		return agentStatus{LiveInstance: li}, err
	}
	if _, err := handOver(ctx, e, c, svc); err != nil {
		return agentStatus{}, err
	}
	return agentStatus{LiveInstance: li, Orchestrated: true}, nil
}

// leaveToDaemon says whether the converge of svc toward target is the
// business of the daemon running here: then the daemon gets the node's
// configuration of svc, and takes part in placement (undrained). False
// when the agent must act itself: for down and unprovision, the container
// is going away, and the daemon is drained first, so that it starts
// nothing here again and its peers take over what it ran.
func leaveToDaemon(ctx context.Context, e *cli.Env, svc string, target plan.Target) (bool, error) {
	c, err := insideDaemon(ctx, e)
	if c == nil || err != nil {
		return err != nil, err
	}
	if !plan.PlacedInside(target) {
		if err := c.Drain(ctx, true); err != nil {
			return true, fmt.Errorf("drain the daemon in %s before stopping %s there: %w", e.NodeName(), svc, err)
		}
		fmt.Fprintf(e.Out, "a daemon runs in %s: drained (it starts nothing here and its peers take over), then %s is stopped here\n", e.NodeName(), svc)
		return false, nil
	}
	v, err := handOver(ctx, e, c, svc)
	if err == nil {
		err = c.Drain(ctx, false)
	}
	if err != nil {
		return true, err
	}
	fmt.Fprintf(e.Out, "a daemon runs in %s: the daemons inside the containers place %s; nothing done here for target %s (configuration generation %d handed to it)\n",
		e.NodeName(), svc, target, v.Gen)
	return true, nil
}

// handOver gives the daemon the node's configuration of svc, as the node
// pushed it to this agent; the daemon distributes it to its peers.
func handOver(ctx context.Context, e *cli.Env, c *wire.Client, svc string) (state.ConfigVersion, error) {
	store := e.Store()
	src, ok := store.ConfigSources()[store.ConfigFile(svc)]
	if !ok {
		return state.ConfigVersion{}, nil // configured from files here: the daemon reads them too
	}
	vers, err := c.PushConfig(ctx, map[string]string{svc: string(src)})
	if err != nil {
		return state.ConfigVersion{}, fmt.Errorf("hand the configuration of %s to the daemon in %s: %w", svc, e.NodeName(), err)
	}
	return vers[svc], nil
}

// insideDaemon returns a client of the daemon running in this container,
// nil when none runs. A daemon process that does not answer yet is waited
// for; one that never answers is an error: acting in its place would
// fight it.
func insideDaemon(ctx context.Context, e *cli.Env) (*wire.Client, error) {
	root := e.Store().Root
	deadline := time.Now().Add(daemonStartWait)
	for {
		c, err := wire.Connect(ctx, root)
		if err == nil {
			return c, nil
		}
		if !daemonRuns() {
			return nil, nil
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("a daemon runs in %s but does not answer on %s after %s: %v", e.NodeName(), wire.SocketPath(root), daemonStartWait, err)
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// daemonRuns says whether a process of this container (its own pid
// namespace) is `om daemon run`.
func daemonRuns() bool {
	dirs, _ := os.ReadDir("/proc")
	for _, d := range dirs {
		pid, err := strconv.Atoi(d.Name())
		if err != nil || pid == os.Getpid() {
			continue
		}
		b, err := os.ReadFile("/proc/" + d.Name() + "/cmdline")
		if err == nil && isDaemonRun(strings.Split(strings.TrimRight(string(b), "\x00"), "\x00")) {
			return true
		}
	}
	return false
}

// isDaemonRun says whether argv is om's `daemon run`: its first two words
// after the global flags.
func isDaemonRun(argv []string) bool {
	if len(argv) < 3 || filepath.Base(argv[0]) != "om" {
		return false
	}
	var words []string
	for i := 1; i < len(argv) && len(words) < 2; i++ {
		switch a := argv[i]; {
		case slices.Contains([]string{"--node", "--state-dir", "--config"}, a):
			i++ // its value
		case !strings.HasPrefix(a, "-"):
			words = append(words, a)
		}
	}
	return slices.Equal(words, []string{"daemon", "run"})
}
