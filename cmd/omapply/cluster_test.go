package main

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/omhcl/omhcl/testfixtures/daemonproc"
)

// startDaemon runs "om daemon run" on the node, on a free loopback port,
// until the test ends.
func (n *node) startDaemon() {
	n.t.Helper()
	daemonproc.Start(n.t, omBin, "demo1", filepath.Join(n.dir, "state"), false)
}

// With a daemon on the node, omapply hands the configuration to the
// cluster: a change, so not without approval. Once the daemon has it,
// omapply without approval has nothing to hand.
func TestNoApprovalHandsNothingToTheCluster(t *testing.T) {
	n := newNodeWith(t, threeApps)
	n.startDaemon()
	out, code := n.run("", omapplyBin, n.dir)
	if code != 1 || !strings.Contains(out, "no terminal to ask for approval: the configuration of svc was not handed to the cluster daemon, nothing changed") {
		t.Fatalf("omapply without approval, a daemon running: exit %d", code)
	}
	if mon, _ := n.run("", omBin, "mon"); strings.Contains(mon, "svc") {
		t.Fatal("the daemon has svc: omapply handed it without approval")
	}
	if out, code = n.run("", omapplyBin, "-auto-approve", n.dir); code != 0 || !strings.Contains(out, "svc: configuration generation 1 (") {
		t.Fatalf("omapply -auto-approve, a daemon running: exit %d", code)
	}
	if out, code = n.run("", omapplyBin, n.dir); code != 0 || strings.Contains(out, "not handed") {
		t.Fatalf("omapply without approval of the configuration the daemon has: exit %d", code)
	}
	// svc is not orchestrated: handed, and still converged here
	evs, stderr, code := n.runJSON("-json", "-auto-approve", n.dir)
	if got := summary(evs); code != 0 || !slices.Equal(got, []string{"plan", "outcome no_changes"}) || !strings.Contains(stderr, "svc: configuration generation 1 (") {
		t.Fatalf("omapply -json, a daemon running: exit %d, events %q; want the plan and its outcome, and the hand-off line on stderr", code, got)
	}
}
