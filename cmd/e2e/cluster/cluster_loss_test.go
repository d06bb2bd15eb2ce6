package cluster

import (
	"testing"
	"time"

	"github.com/omhcl/omhcl/testfixtures/clusterlab"
)

// lossFor is how long the lossy-link scenario lasts: with the fast
// profile, dozens of lease terms (the make bench-loss trials last 60 s).
const lossFor = 30 * time.Second

// 9. Issue 6: 30 % of the frames of the node running the service are
// dropped both ways. Serf still sees the node alive, and its quorum lease
// must survive too: the service stays where it is or moves once,
// cleanly, with the address on no node for at most 5 s in all; never a
// fence and restart loop (the fast profile's report polls alone fenced 17
// times a minute), never two copies. The node's link is degraded while
// its peers' are clean, so the service moves to one of them, and its
// client goes without an answer for at most 5 s in all.
func TestClusterLossyLinkKeepsTheServiceUp(t *testing.T) {
	h := newHALab(t)
	tr, err := h.RunLoss(h.w, h.holder, 30, clusterlab.LossBoth, lossFor)
	h.Check(err)
	t.Log(tr)
	if tr.Fences > 1 || tr.Moves > 1 {
		t.Errorf("%d fence(s), %d move(s) of the address in %s: a fence loop\n%s", tr.Fences, tr.Moves, lossFor, h.w.Report())
	}
	if tr.Nowhere > 5*time.Second {
		t.Errorf("the address was on no node for %s of %s\n%s", tr.Nowhere, lossFor, h.w.Report())
	}
	if tr.Client.Unanswered > 5*time.Second {
		t.Errorf("the client got no answer for %s of %s", tr.Client.Unanswered, lossFor)
	}
	on := h.waitServed("after the loss ended")
	h.settle("after the loss ended", on)
}

// 10. A node whose link drops long enough for it to fence, then comes
// back, yields the service to the majority rather than starting it again
// (the hold-down): a flapping node hands its service over once.
func TestClusterFencedNodeYieldsToTheMajority(t *testing.T) {
	h := newHALab(t)
	cut := h.holder
	h.Cut(cut)
	h.waitAddrGone(cut, cut+" fences")
	h.Heal(cut)
	to := h.waitServed("after "+cut+" fenced and came back", cut)
	h.settle("after "+cut+" fenced and came back", to)
	h.stillServedBy(to, "while "+cut+" is held down and after")
}
