package cluster

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/omhcl/omhcl/testfixtures/clusterlab"
	"github.com/omhcl/omhcl/wire"
)

// The cluster scenarios of issue 3, on a 3-node lab (testfixtures/
// clusterlab) running examples/lab's HA web service with the fast profile.
// Every scenario also fails if the watcher, sampling every node's
// addresses every 20 ms, ever sees the service address on two nodes.

// 1. The node running the service dies: the address and the app come up
// on another node.
func TestClusterNodeDeathFailsOver(t *testing.T) {
	h := newHALab(t)
	dead := h.holder
	h.Kill(dead)
	to := h.waitServed("after "+dead+" died", dead)
	h.settle("after "+dead+" died", to)
}

// 1b. Only the daemon of that node dies; the node and the service live on:
// no second copy starts anywhere, the survivors report the instance as
// unmanaged, and the restarted daemon adopts the running app as it is.
func TestClusterDaemonDeathStartsNoSecondCopy(t *testing.T) {
	h := newHALab(t)
	node := h.holder
	pid := h.appPid(node)
	h.KillDaemon(node)
	h.stillServedBy(node, "with its daemon dead")
	survivor := h.others(node)[0]
	if out := h.mon(survivor); !containsFold(out, "unmanaged") {
		t.Errorf("om mon on %s does not report web running unmanaged on %s:\n%s", survivor, node, out)
	}

	h.StartDaemon(node)
	h.waitRunningOn(survivor, node)
	h.stillServedBy(node, "once its daemon is back")
	if got := h.appPid(node); got != pid {
		t.Errorf("the restarted daemon restarted the app: pid %d, was %d", got, pid)
	}
}

// 2. The link of that node is cut: the majority takes over, and the cut
// node, alone, has stopped its copy.
func TestClusterCutNodeStopsItsCopy(t *testing.T) {
	h := newHALab(t)
	h.cutStopsItsCopy(h.holder, func() {})
}

// cutStopsItsCopy cuts node, the one running the service: the majority
// serves it, the cut node drops the address and stops its app (check
// looks for what else must have stopped); after the heal the new node
// still serves.
func (h *haLab) cutStopsItsCopy(cut string, check func()) {
	h.t.Helper()
	h.Cut(cut)
	to := h.waitServed("after "+cut+"'s link was cut", cut)
	h.waitAddrGone(cut, cut+" drops the address")
	if pids := h.appPids(cut); len(pids) > 0 {
		h.t.Errorf("the app still runs on the cut node %s: pids %v", cut, pids)
	}
	check()
	for _, a := range h.Addrs(cut) {
		if a.Addr() == clusterlab.ServiceIP {
			h.t.Errorf("cut node %s holds %s", cut, a)
		}
	}
	h.Heal(cut)
	h.Check(h.WaitAllMembers(settleWithin))
	h.stillServedBy(to, "after the heal")
}

// 3. Partition the node running the service from the two others and heal,
// 20 times: the address is never on two nodes at once (the watcher).
func TestClusterPartitionHealCycles(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: 20 partition and heal cycles take minutes")
	}
	h := newHALab(t)
	const cycles = 20
	for i := 1; i <= cycles; i++ {
		cut := h.holder
		h.Cut(cut)
		h.holder = h.waitServed(cycleName(i, "after cutting "+cut), cut)
		h.waitAddrGone(cut, cycleName(i, cut+" drops the address"))
		h.Heal(cut)
		h.Check(h.WaitAllMembers(settleWithin))
		if _, n := h.w.Doubles(); n > 0 {
			t.Fatalf("cycle %d: the address was on two nodes at once\n%s", i, h.w.Report())
		}
	}
	h.stillServedBy(h.holder, "after the last heal")
}

func cycleName(i int, what string) string { return fmt.Sprintf("cycle %d: %s", i, what) }

// 4. The monitored app dies: restarted in place (restart = 1), then, when
// it dies again, the service moves (monitor_action = "switch").
func TestClusterAppFailureRestartsThenRelocates(t *testing.T) {
	h := newHALab(t)
	node := h.holder
	old := h.killApp(node)
	h.waitAppRestarted(node, old)
	h.stillServedBy(node, "after the restart in place")
	h.settle("after the restart in place", node)

	h.killApp(node)
	to := h.waitServed("after the app died again, its restarts exhausted", node)
	h.waitAddrGone(node, node+" released the address")
	h.waitRunningOn(to, to)
}

// waitAppRestarted waits until a new app (not old) runs on node and
// answers the client (from node's container, where it runs in one).
func (h *haLab) waitAppRestarted(node string, old int) {
	h.t.Helper()
	deadline := time.Now().Add(settleWithin)
	for {
		pids := h.appPids(node)
		if len(pids) == 1 && pids[0] != old {
			if body, err := h.Get(clusterlab.ServiceURL, time.Second); err == nil && clusterlab.ServedBy(body) == h.greets(node) {
				return
			}
		}
		if time.Now().After(deadline) {
			h.t.Fatalf("waited %s for the app on %s to restart (another process than pid %d) and answer as %s: apps now %v\n%s",
				settleWithin, node, old, h.greets(node), pids, h.w.Report())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// 5. switch, takeover and giveback move the service; a frozen service is
// not orchestrated (its app dies: nothing happens) until thawed.
func TestClusterSwitchTakeoverGivebackFreeze(t *testing.T) {
	h := newHALab(t)
	from := h.holder
	to := h.others(from)[0]
	h.Must(from, "om", "web", "switch", "--to", to)
	h.holder = h.waitServed("after switch --to "+to, from)
	if h.holder != to {
		t.Fatalf("switch --to %s: web runs on %s", to, h.holder)
	}
	h.settle("after switch", to)

	// take over on a node other than node1, where giveback brings it back
	taker := h.others(h.holder, "node1")[0]
	h.Must(taker, "om", "web", "takeover")
	if got := h.waitServed("after takeover on "+taker, h.holder); got != taker {
		t.Fatalf("takeover on %s: web runs on %s", taker, got)
	}
	h.settle("after takeover", taker)

	// giveback: back to the placement's choice, node1 (nodes order)
	h.Must(taker, "om", "web", "giveback")
	h.holder = h.waitServed("after giveback", taker)
	if h.holder != "node1" {
		t.Errorf("giveback: web runs on %s, want node1 (nodes order)", h.holder)
	}
	h.settle("after giveback", h.holder)

	h.Must(h.holder, "om", "web", "freeze")
	h.killApp(h.holder)
	h.frozenStaysDown(h.holder)

	h.Must(h.holder, "om", "web", "thaw")
	h.holder = h.waitServed("after thaw")
}

// frozenStaysDown checks for quietFor that nothing restarts or moves the
// frozen service: no app anywhere, the address still on node only.
func (h *haLab) frozenStaysDown(node string) {
	h.t.Helper()
	end := time.Now().Add(quietFor)
	for time.Now().Before(end) {
		for _, n := range h.NodeNames() {
			if pids := h.appPids(n); len(pids) > 0 {
				h.t.Fatalf("frozen service: an app was started on %s (pids %v)", n, pids)
			}
		}
		if got := h.w.Holders(); !slices.Equal(got, []string{node}) {
			h.t.Fatalf("frozen service: the address moved to %v\n%s", got, h.w.Report())
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// 6. A node that died and comes back (link restored, daemon restarted)
// does not start a second copy.
func TestClusterRejoinStartsNoSecondCopy(t *testing.T) {
	h := newHALab(t)
	dead := h.holder
	h.Kill(dead)
	to := h.waitServed("after "+dead+" died", dead)
	h.Check(h.Revive(dead, settleWithin))
	h.stillServedBy(to, "after "+dead+" rejoined")
	h.waitRunningOn(dead, to)
	for _, a := range h.Addrs(dead) {
		if a.Addr() == clusterlab.ServiceIP {
			t.Errorf("the rejoined node %s holds %s", dead, a)
		}
	}
}

// 6b. Nodes die one after the other, each brought back before the next
// death: a revived node is a candidate again, so the service always comes
// back (the third death leaves only revived nodes to run it).
func TestClusterRevivedNodesTakeTheirTurn(t *testing.T) {
	h := newHALab(t)
	for i := 1; i <= len(h.NodeNames()); i++ {
		dead := h.holder
		h.Kill(dead)
		h.holder = h.waitServed(fmt.Sprintf("death %d: after %s died", i, dead), dead)
		h.Check(h.Revive(dead, settleWithin))
		h.settle(fmt.Sprintf("death %d: after %s came back", i, dead), h.holder)
	}
}

// 8. A partial partition: the node running the service and one other lose
// each other while the third reaches both. Each keeps quorum through the
// third, which still answers the running node's polls, so no node counts
// it gone: nothing fences, nothing moves, nothing doubles.
func TestClusterPartialPartitionMovesNothing(t *testing.T) {
	h := newHALab(t)
	other := h.others(h.holder)[0]
	h.Block(h.holder, other)
	h.waitBeaconsLost(h.holder, other)
	h.waitBeaconsLost(other, h.holder)
	h.stillServedBy(h.holder, "during the partial partition")
	h.Unblock(h.holder, other)
	h.Check(h.WaitAllMembers(settleWithin))
	h.stillServedBy(h.holder, "after it healed")
	if pid := h.appPid(h.holder); pid == 0 {
		t.Fatalf("no app on %s after the partial partition", h.holder)
	}
}

// waitBeaconsLost waits until node's daemon measures every lease beacon
// it sent to peer over its loss window as lost: the block between them
// fully seen.
func (h *haLab) waitBeaconsLost(node, peer string) {
	h.t.Helper()
	h.Check(h.AwaitMon(node, settleWithin, "all its beacons to "+peer+" lost", func(v *wire.MonView) error {
		for _, n := range v.Nodes {
			switch {
			case n.Name != peer:
			case n.BeaconLoss == nil:
				return fmt.Errorf("too few beacons to %s yet to tell", peer)
			case *n.BeaconLoss < 100:
				return fmt.Errorf("%d %% lost", *n.BeaconLoss)
			default:
				return nil
			}
		}
		return fmt.Errorf("no member %s", peer)
	}))
}
