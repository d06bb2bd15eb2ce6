package cluster

import (
	"strings"
	"testing"

	"github.com/omhcl/omhcl/testfixtures/clusterlab"
)

// 9. Two nodes. Without an arbitrator neither side of a split holds a
// majority: when the node running the service dies the survivor starts
// nothing by itself (it cannot tell a dead peer from a cut link), and an
// operator's takeover there starts it. With an arbitrator the survivor
// holds 2 of 3 votes and fails over by itself.
func TestClusterTwoNodesFailOverOnlyWithAnArbitrator(t *testing.T) {
	t.Run("without arbitrator: takeover by an operator", func(t *testing.T) {
		h := newTwoNodeLab(t, false)
		dead, survivor := h.holder, h.others(h.holder)[0]
		h.Kill(dead)
		h.waitLost(survivor, false, dead)
		h.unservedFor(quietFor, "the survivor without a majority")
		out := h.mon(survivor)
		if !strings.Contains(out, "no side holds a majority") {
			t.Errorf("om mon on %s does not say it lacks quorum:\n%s", survivor, out)
		}
		h.Must(survivor, "om", "web", "takeover")
		h.stillServedBy(survivor, "after the takeover")
		// Back to a majority: the service stays where the operator put it.
		h.Check(h.Revive(dead, settleWithin))
		h.settle("after "+dead+" came back", survivor)
	})
	t.Run("with arbitrator: automatic failover", func(t *testing.T) {
		h := newTwoNodeLab(t, true)
		dead := h.holder
		h.Kill(dead)
		h.waitServed("after "+dead+" died", dead)
	})
}

// newTwoNodeLab is a 2-node lab running examples/lab's service, with the
// lab's arbitrator configured on both nodes when asked.
func newTwoNodeLab(t *testing.T, arbitrator bool) *haLab {
	lab := clusterlab.New(t, 2, clusterlab.Options{BinDir: binDir, Profile: "fast"})
	lab.WaitDaemons()
	if arbitrator {
		a, err := lab.StartArbitrator()
		lab.Check(err)
		t.Cleanup(func() { a.Close() })
		for _, n := range lab.NodeNames() {
			lab.Must(n, "om", "cluster", "set", "--kw", "cluster.arbitrators="+clusterlab.ArbitratorEndpoint)
			lab.KillDaemon(n) // arbitrators are read at start
			lab.StartDaemon(n)
		}
		lab.WaitDaemons()
	}
	lab.Join()
	return deployHA(t, lab)
}
