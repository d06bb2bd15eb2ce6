package cluster

import (
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/omhcl/omhcl/wire"
)

// Node maintenance (issue 16): om node drain moves every service off a
// node and keeps new ones off until om node undrain; om node freeze stops
// the node's own orchestration until om node thaw.

// 8. om node drain --wait on node1, running web and an instance of the
// flex pool: both move off, each to the next node of its placement;
// when web's new node dies, web goes to the last node, not back to the
// drained node1, the first of its nodes, and pool runs one instance
// only rather than start one there. Undrained, node1 takes its pool
// instance back.
func TestClusterDrainMovesEveryServiceOff(t *testing.T) {
	h := newHALab(t)
	if h.holder != "node1" {
		t.Fatalf("web runs on %s, want node1 (nodes order)", h.holder)
	}
	pool := h.deployPool()
	pool.waitRunning("pool deployed", "node1", "node2")

	out := h.Must("node1", "om", "node", "drain", "--wait", "--timeout", "60s")
	t.Logf("om node drain --wait:\n%s", out)
	for _, want := range []string{"node1: draining: pool, web move off", "web: off node1", "pool: off node1", "node1: drained: nothing runs here"} {
		if !strings.Contains(out, want) {
			t.Errorf("om node drain --wait does not say %q", want)
		}
	}
	h.holder = h.waitServed("node1 drained", "node1")
	h.settle("node1 drained", h.holder)
	pool.waitRunning("node1 drained", "node2", "node3")
	if pids := h.webPids("node1"); len(pids) > 0 {
		t.Errorf("web's app still runs on node1 (pids %v)", pids)
	}
	h.Check(h.AwaitMon(h.holder, settleWithin, "node1 drained in om mon", func(v *wire.MonView) error {
		for _, n := range v.Nodes {
			if n.Name == "node1" && (!n.Drained || !n.HeldDown) {
				return fmt.Errorf("node1: %+v", n)
			}
		}
		return nil
	}))
	if mon := h.mon("node2"); !strings.Contains(mon, "| drained") {
		t.Errorf("om mon on node2 does not show node1 drained:\n%s", mon)
	}

	// web's node dies: the last node takes it, never the drained node1
	dead := h.holder
	h.Kill(dead)
	h.holder = h.waitServed("after "+dead+" died, node1 drained", "node1", dead)
	pool.waitRunning("after "+dead+" died, node1 drained", h.holder)
	h.nothingOn("node1", "drained, after "+dead+" died")

	out = h.Must("node1", "om", "node", "undrain")
	if !strings.Contains(out, "node1: undrained") {
		t.Errorf("om node undrain said:\n%s", out)
	}
	pool.waitRunning("node1 undrained", "node1", h.holder)
	// web stays where it went: undrained, node1 is a candidate again, not
	// the service's preferred node
	for end := time.Now().Add(quietFor); time.Now().Before(end); time.Sleep(200 * time.Millisecond) {
		if got := h.w.Holders(); len(got) != 1 || got[0] != h.holder {
			t.Fatalf("node1 undrained: the service address is on %v, want %s alone\n%s", got, h.holder, h.w.Report())
		}
	}
	if pids := h.webPids("node1"); len(pids) > 0 {
		t.Errorf("node1 undrained: web's app runs there (pids %v)", pids)
	}
}

// 9. om node freeze on node1, running web: its app dies and nothing
// happens, neither a restart there nor a start elsewhere; thawed, node1
// restarts it.
func TestClusterFrozenNodeOrchestratesNothing(t *testing.T) {
	h := newHALab(t)
	node := h.holder
	out := h.Must(node, "om", "node", "freeze")
	if !strings.Contains(out, node+": frozen") {
		t.Errorf("om node freeze said:\n%s", out)
	}
	h.killApp(node)
	h.frozenStaysDown(node)
	if mon := h.mon(h.others(node)[0]); !strings.Contains(mon, "| frozen") {
		t.Errorf("om mon on another node does not show %s frozen:\n%s", node, mon)
	}
	h.Must(node, "om", "node", "thaw")
	if got := h.waitServed("thawed"); got != node {
		t.Errorf("thawed: web runs on %s, want %s (its app restarted in place)", got, node)
	}
}

// deployPool deploys examples/lab-flex's pool (flex_max 2 of 3) through
// node1.
func (h *haLab) deployPool() flexLab {
	h.t.Helper()
	src, err := os.ReadFile("../../../examples/lab-flex/pool.hcl")
	if err != nil {
		h.t.Fatal(err)
	}
	cfg, err := h.Adapt(src)
	h.Check(err)
	res, err := h.Deploy("node1", "pool.hcl", cfg)
	h.Check(err)
	h.Check(res.Err())
	return flexLab{h.Lab, h.t}
}

// webPids are the pids of web's app on node (pool's app is the same
// program on another port).
func (h *haLab) webPids(node string) []int {
	h.t.Helper()
	pids, err := h.FindProcess(node, "demoweb", "serve", ":8080")
	h.Check(err)
	return pids
}

// nothingOn checks for quietFor that no app runs on node and that the
// service address is not there.
func (h *haLab) nothingOn(node, what string) {
	h.t.Helper()
	for end := time.Now().Add(quietFor); time.Now().Before(end); time.Sleep(200 * time.Millisecond) {
		if pids := h.appPids(node); len(pids) > 0 {
			h.t.Fatalf("%s: an app runs on %s (pids %v)", what, node, pids)
		}
		for _, n := range h.w.Holders() {
			if n == node {
				h.t.Fatalf("%s: the service address is on %s\n%s", what, node, h.w.Report())
			}
		}
	}
}
