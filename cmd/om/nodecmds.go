package main

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/omhcl/omhcl/cmd/internal/cli"
	"github.com/omhcl/omhcl/wire"
	"github.com/spf13/cobra"
)

// The node's maintenance: drain, undrain, freeze, thaw (the daemon's
// drain.go says what each does on the node).

const drainLong = `drain moves every service off this node and keeps new ones off until
om node undrain, as Pacemaker's pcs node standby or om3's om node drain. The
node reports itself held down, so that its peers place nothing here while
another node can take it, and starts nothing. It hands its services over
one at a time, in name order, each to the node its placement picks among
the others: a failover service stops here once that node can take it (alive,
with current news, not held down), and that node starts it; a flex service
starts on the next candidate first, then stops here.

A service that no other node would start stays, and drain says why: frozen,
orchestrate = "no" or "start" (om SVC switch moves it, om SVC stop stops it),
no other node alive. Services do not come back on undrain: a failover
service stays where it went (om SVC giveback brings it back); a flex service
takes its place here again.

The drain is kept in the state directory: a node rebooted during its
maintenance starts nothing until undrained. --until-restart drains until the
daemon restarts only (the systemd unit's stop drains so, when
OMHCL_STOP_DRAIN=yes).

--wait returns once nothing runs here any more, or fails at --timeout naming
what still runs and why.`

const freezeLong = `freeze stops orchestration on this node, for every service, until om node
thaw: its daemon decides nothing on its own. It starts nothing (no failover
here, no start of a service running nowhere), stops nothing (no relocation,
no stop of a second copy), restarts no monitored resource, runs no
monitor_action, converges neither standby resources nor a new configuration.
What runs here keeps running and what is down stays down. The node reports
itself held down: its peers place nothing here while another node can take
it, and start nothing that runs here.

What still works: what an operator does on this node (om SVC start --local,
om SVC stop --local, om SVC restart --local, --rid, omapply, syncs by hand),
and fencing: a frozen node that loses quorum still drops its addresses and
stops its services, since its peers take them over. The scheduled syncs go
on. Requests through the daemon (om SVC start, stop, switch) are recorded
cluster-wide and carried out by the other nodes; this node does its part
once thawed.

As Pacemaker's node maintenance mode (pcs node maintenance): the cluster
leaves the node's resources alone; unlike it, the node still fences. A
frozen node also yields new placements, as om3's om node freeze. Kept in the
state directory: a restarted daemon stays frozen.`

func newNodeMaintenance(e *cli.Env) []*cobra.Command {
	var wait, untilRestart bool
	var timeout time.Duration
	drain := &cobra.Command{
		Use:   "drain",
		Short: "Move every service off this node and keep new ones off until undrain",
		Long:  drainLong,
		Example: "  om node drain --wait\n  om node drain --wait --timeout 10m\n" +
			"  om node drain --until-restart --wait   # the systemd unit's stop, with OMHCL_STOP_DRAIN=yes",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			on := true
			c, st, err := setNode(cmd, e, "drain", wire.NodeRequest{Drain: &on, UntilRestart: untilRestart})
			if err != nil {
				return err
			}
			if !wait && !cmd.Flags().Changed("timeout") {
				fmt.Fprintf(e.Out, "%s: %s\n", st.Node, drainSummary(st))
				return nil
			}
			return waitDrained(cmd.Context(), e, c, st, timeout)
		},
	}
	drain.Flags().BoolVar(&wait, "wait", false, "return once nothing runs on this node any more")
	drain.Flags().DurationVar(&timeout, "timeout", 5*time.Minute, "with --wait (implied): fail when something still runs here after this long")
	drain.Flags().BoolVar(&untilRestart, "until-restart", false, "drain until the daemon restarts only, not kept in the state directory")

	off, on := false, true
	undrain := nodeCmd(e, "undrain", "Let this node take part in placement again",
		`undrain ends om node drain: the node is a candidate again and starts what its
placement gives it. Failover services stay where they went (om SVC giveback
brings one back to its first node); a flex service takes its place here again.`,
		wire.NodeRequest{Drain: &off}, func(st *wire.NodeState) string {
			return "undrained: it takes part in placement again" + frozenToo(st)
		})
	freeze := nodeCmd(e, "freeze", "Stop orchestration on this node, for every service, until thaw", freezeLong,
		wire.NodeRequest{Freeze: &on}, func(*wire.NodeState) string {
			return "frozen: its daemon starts, stops, restarts and relocates nothing on its own until om node thaw (fencing and scheduled syncs go on; om SVC start --local acts here)"
		})
	thaw := nodeCmd(e, "thaw", "Resume orchestration on this node", "thaw ends om node freeze: the node's daemon orchestrates again.",
		wire.NodeRequest{Freeze: &off}, func(st *wire.NodeState) string {
			if st.Draining {
				return "thawed: its daemon orchestrates again (still draining: om node undrain ends it)"
			}
			return "thawed: its daemon orchestrates again"
		})
	return []*cobra.Command{drain, undrain, freeze, thaw}
}

// nodeCmd is a command that sends req to the local daemon and says what
// the node's state is then.
func nodeCmd(e *cli.Env, name, short, long string, req wire.NodeRequest, say func(*wire.NodeState) string) *cobra.Command {
	return &cobra.Command{
		Use:   name,
		Short: short,
		Long:  long,
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			_, st, err := setNode(cmd, e, name, req)
			if err != nil {
				return err
			}
			fmt.Fprintf(e.Out, "%s: %s\n", st.Node, say(st))
			return nil
		},
	}
}

// setNode sends a maintenance request to the local daemon.
func setNode(cmd *cobra.Command, e *cli.Env, name string, req wire.NodeRequest) (*wire.Client, *wire.NodeState, error) {
	c, err := wire.Connect(cmd.Context(), e.Store().Root)
	if err != nil {
		return nil, nil, fmt.Errorf("node %s needs the cluster daemon: %w (om daemon start)", name, err)
	}
	st, err := c.SetNode(cmd.Context(), req)
	return c, st, err
}

func frozenToo(st *wire.NodeState) string {
	if st.Frozen {
		return " (still frozen: om node thaw resumes orchestration)"
	}
	return ""
}

// drainSummary says where a drain stands.
func drainSummary(st *wire.NodeState) string {
	if st.Drained {
		return "drained: nothing runs here" + frozenToo(st)
	}
	return fmt.Sprintf("draining: %s move off, one at a time (om node drain --wait waits; om mon shows them)%s", strings.Join(names(st.Running), ", "), frozenToo(st))
}

// waitDrained polls the daemon until nothing runs here, saying where
// each service went; at the timeout it fails naming what still runs.
// Once drained, it waits a little for the services that left to run
// elsewhere, to say where (not to fail: nothing runs here).
func waitDrained(ctx context.Context, e *cli.Env, c *wire.Client, st *wire.NodeState, timeout time.Duration) error {
	fmt.Fprintf(e.Out, "%s: %s\n", st.Node, drainSummary(st))
	left := names(st.Running)
	var moved []string // off this node, not seen running elsewhere yet
	deadline := time.Now().Add(timeout)
	var placedBy time.Time
	for !st.Drained || len(moved) > 0 {
		if st.Drained && placedBy.IsZero() {
			placedBy = time.Now().Add(min(time.Until(deadline), 30*time.Second))
		}
		if !st.Drained && time.Now().After(deadline) {
			fmt.Fprintf(e.Err, "%s: not drained after %s; still running here:\n%s\n", st.Node, timeout, stillHere(st))
			return cli.ErrReported
		}
		if st.Drained && time.Now().After(placedBy) {
			for _, svc := range moved {
				fmt.Fprintf(e.Out, "%s: off %s, running nowhere yet (om mon shows where it starts)\n", svc, st.Node)
			}
			break
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(300 * time.Millisecond):
		}
		var err error
		if st, err = c.Node(ctx); err != nil {
			return err
		}
		now := names(st.Running)
		for _, svc := range left {
			if !slices.Contains(now, svc) {
				moved = append(moved, svc)
			}
		}
		left = now
		if len(moved) > 0 {
			moved = reportPlaced(ctx, e, c, st.Node, moved)
		}
	}
	fmt.Fprintf(e.Out, "%s: drained: nothing runs here%s\n", st.Node, frozenToo(st))
	return nil
}

// stillHere says what runs here, and why each stays.
func stillHere(st *wire.NodeState) string {
	var lines []string
	for _, s := range st.Running {
		why := s.Why
		if s.Busy != "" {
			why = s.Busy + " in progress"
		}
		if why == "" {
			why = "on its way off"
		}
		lines = append(lines, fmt.Sprintf("  %s: %s", s.Service, why))
	}
	return strings.Join(lines, "\n")
}

// reportPlaced says where the services that left this node run now, and
// returns those that run nowhere yet.
func reportPlaced(ctx context.Context, e *cli.Env, c *wire.Client, node string, moved []string) []string {
	v, err := c.Mon(ctx)
	if err != nil {
		return moved
	}
	var pending []string
	for _, svc := range moved {
		i := slices.IndexFunc(v.Services, func(s wire.MonService) bool { return s.Name == svc })
		if i < 0 || len(v.Services[i].Running) == 0 || slices.Contains(v.Services[i].Running, node) {
			pending = append(pending, svc)
			continue
		}
		fmt.Fprintf(e.Out, "%s: off %s, running on %s\n", svc, node, strings.Join(v.Services[i].Running, ", "))
	}
	return pending
}

func names(ss []wire.NodeService) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = s.Service
	}
	return out
}

// warnMaintenance says, before an action is waited for, which node in
// maintenance will not do its part: a frozen node running the service
// (it stops and relocates nothing), or the node it is asked to move to
// when that one is frozen or drained (no node hands it a service).
func warnMaintenance(ctx context.Context, e *cli.Env, c *wire.Client, svc, action, to string) {
	if action == "freeze" || action == "thaw" || action == "clear" {
		return
	}
	v, err := c.Mon(ctx)
	if err != nil {
		return
	}
	i := slices.IndexFunc(v.Services, func(s wire.MonService) bool { return s.Name == svc })
	if i < 0 {
		return
	}
	s := v.Services[i]
	for _, n := range v.Nodes {
		m := wire.MaintenanceWord(n.Frozen, n.Draining, n.Drained)
		switch {
		case m == "":
		case n.Frozen && slices.Contains(s.Running, n.Name) && action != "start":
			fmt.Fprintf(e.Err, "note: %s runs %s and is frozen: it stops nothing until om node thaw there (om %s stop --local there stops it)\n", n.Name, svc, svc)
		case n.Name == to && (action == "switch" || action == "takeover" || action == "giveback"):
			undo := "om node undrain"
			switch {
			case n.Frozen && n.Draining:
				undo += " and om node thaw"
			case n.Frozen:
				undo = "om node thaw"
			}
			fmt.Fprintf(e.Err, "note: %s is %s: no node hands it a service until %s there\n", n.Name, strings.TrimSuffix(m, "*"), undo)
		}
	}
}
