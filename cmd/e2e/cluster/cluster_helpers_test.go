package cluster

import (
	"fmt"
	"os"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/omhcl/omhcl/testfixtures/clusterlab"
	"github.com/omhcl/omhcl/wire"
)

// Cluster scenario deadlines, with the fast profile (failure detected in
// about 1 s). Generous: CI machines are loaded; the bench measures speed.
const (
	failoverWithin = 30 * time.Second
	settleWithin   = 30 * time.Second
	// quietFor is how long a scenario watches for something that must
	// not happen: several detection and grace periods of the fast profile.
	quietFor = 8 * time.Second
)

// haLab is a 3-node lab running examples/lab's HA service "web", with a
// watcher on its address that fails the test if it is ever on two nodes.
type haLab struct {
	*clusterlab.Lab
	t      *testing.T
	w      *clusterlab.Watcher
	holder string // the node running web once deployed
	// greeting is the name the app greets with when node runs it; nil:
	// the node's own (an encapsulated app greets with its container's).
	greeting func(node string) string
}

// greets is the name the app answers with when node runs it.
func (h *haLab) greets(node string) string {
	if h.greeting != nil {
		return h.greeting(node)
	}
	return node
}

func newHALab(t *testing.T) *haLab {
	lab := clusterlab.New(t, 3, clusterlab.Options{BinDir: binDir, Profile: "fast"})
	lab.WaitDaemons()
	lab.Join()
	return deployHA(t, lab)
}

// deployHA deploys examples/lab's service on a formed lab through node1
// and waits until it runs, settled, with the watcher on its address.
func deployHA(t *testing.T, lab *clusterlab.Lab) *haLab {
	return deployService(t, lab, clusterlab.ExampleService)
}

// deployService deploys the service "web" of file (relative to the
// repository root) as deployHA does.
func deployService(t *testing.T, lab *clusterlab.Lab, file string) *haLab {
	src, err := os.ReadFile("../../../" + file) // from the repository root
	if err != nil {
		t.Fatal(err)
	}
	h := &haLab{Lab: lab, t: t, w: lab.Watch(clusterlab.ServiceIP)}
	t.Cleanup(h.checkNoDoubles)
	lab.DeployExample("node1", src)
	h.holder = h.waitServed("the service deployed")
	h.settle("the service deployed", h.holder)
	return h
}

// settle waits until every running daemon shows web running on node alone
// and busy nowhere: an action sent during a start races with it.
func (h *haLab) settle(what, node string) {
	h.t.Helper()
	on, err := h.WaitSettled("web", settleWithin)
	if err != nil {
		h.t.Fatalf("%s: %v\n%s", what, err, h.w.Report())
	}
	if on != node {
		h.t.Fatalf("%s: the daemons show web running on %s, the client was answered by %s", what, on, node)
	}
}

// checkNoDoubles fails the test if the service address was ever seen on
// two nodes at once.
func (h *haLab) checkNoDoubles() {
	h.t.Helper()
	if doubles, n := h.w.Doubles(); n > 0 {
		h.t.Errorf("the service address was on two nodes at once in %d samples, first at %s:\n%s", n, doubles[0], h.w.Report())
	}
}

// waitServed waits until a node other than those in not answers the
// client, checks that node alone holds the address, and returns it.
func (h *haLab) waitServed(what string, not ...string) string {
	h.t.Helper()
	node, err := h.WaitServed(clusterlab.ServiceURL, failoverWithin, not...)
	if err != nil {
		h.t.Fatalf("%s: %v\n%s", what, err, h.w.Report())
	}
	if _, err := h.w.WaitFor(5*time.Second, what+": address on the serving node alone", func(got []string) bool {
		return slices.Equal(got, []string{node})
	}); err != nil {
		h.t.Fatalf("%v\n%s", err, h.w.Report())
	}
	h.t.Logf("%s: web runs on %s", what, node)
	return node
}

// waitAddrGone waits until node no longer holds the service address.
func (h *haLab) waitAddrGone(node, what string) {
	h.t.Helper()
	if _, err := h.w.WaitFor(settleWithin, what, func(got []string) bool { return !slices.Contains(got, node) }); err != nil {
		h.t.Fatalf("%v\n%s", err, h.w.Report())
	}
}

// appPids returns the pids of the web app (demoweb serve) on node.
func (h *haLab) appPids(node string) []int {
	h.t.Helper()
	pids, err := h.FindProcess(node, "demoweb", "serve")
	if err != nil {
		h.t.Fatal(err)
	}
	return pids
}

// appPid returns the pid of the one web app on node.
func (h *haLab) appPid(node string) int {
	h.t.Helper()
	pids := h.appPids(node)
	if len(pids) != 1 {
		h.t.Fatalf("%d web apps on %s (pids %v), want 1", len(pids), node, pids)
	}
	return pids[0]
}

// killApp kills the web app on node with -9, as a crash would.
func (h *haLab) killApp(node string) int {
	h.t.Helper()
	pid := h.appPid(node)
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		h.t.Fatalf("kill -9 the app (pid %d) on %s: %v", pid, node, err)
	}
	// SIGKILL is delivered at once but the process dies a moment later:
	// wait until it is gone, or checks that no app runs would see it.
	for deadline := time.Now().Add(5 * time.Second); slices.Contains(h.appPids(node), pid); {
		if time.Now().After(deadline) {
			h.t.Fatalf("the app (pid %d) on %s still runs 5 s after kill -9", pid, node)
		}
		time.Sleep(10 * time.Millisecond)
	}
	h.t.Logf("killed the app on %s (pid %d)", node, pid)
	return pid
}

// stillServedBy watches for quietFor that node alone serves the app, and
// that no other node holds the address or runs the app.
func (h *haLab) stillServedBy(node, what string) {
	h.t.Helper()
	end := time.Now().Add(quietFor)
	for time.Now().Before(end) {
		if got := h.w.Holders(); !slices.Equal(got, []string{node}) {
			h.t.Fatalf("%s: service address on %v, want %s alone\n%s", what, got, node, h.w.Report())
		}
		time.Sleep(200 * time.Millisecond)
	}
	if body, err := h.Get(clusterlab.ServiceURL, 2*time.Second); err != nil || clusterlab.ServedBy(body) != h.greets(node) {
		h.t.Fatalf("%s: the client got %q (%v), want an answer from %s", what, body, err, h.greets(node))
	}
	for _, n := range h.NodeNames() {
		if n != node && len(h.appPids(n)) > 0 {
			h.t.Fatalf("%s: a web app runs on %s too", what, n)
		}
	}
}

// unservedFor watches for d that the client gets no answer from the
// service: that no node starts it.
func (h *haLab) unservedFor(d time.Duration, what string) {
	h.t.Helper()
	for end := time.Now().Add(d); time.Now().Before(end); time.Sleep(200 * time.Millisecond) {
		if body, err := h.Get(clusterlab.ServiceURL, 300*time.Millisecond); err == nil {
			h.t.Fatalf("%s: the service answers: %q\n%s", what, body, h.w.Report())
		}
	}
}

// waitLost waits until node's daemon counts every one of lost not alive
// and itself without quorum; fencing says whether it must fence (the nodes
// it lost could hold a majority) or knows that no side holds one.
func (h *haLab) waitLost(node string, fencing bool, lost ...string) {
	h.t.Helper()
	h.Check(h.AwaitMon(node, settleWithin, fmt.Sprintf("%v lost, without quorum (fencing %v)", lost, fencing), func(v *wire.MonView) error {
		for _, n := range v.Nodes {
			if slices.Contains(lost, n.Name) && n.Status == "alive" {
				return fmt.Errorf("%s alive", n.Name)
			}
		}
		if v.Quorum || v.Fencing != fencing {
			return fmt.Errorf("quorum %v, fencing %v", v.Quorum, v.Fencing)
		}
		return nil
	}))
}

// waitRunningOn waits until node's daemon shows web running on want alone
// (om mon --json).
func (h *haLab) waitRunningOn(node, want string) {
	h.t.Helper()
	h.Check(h.AwaitMon(node, settleWithin, "web running on "+want, func(v *wire.MonView) error {
		s := clusterlab.MonServiceOf(v, "web")
		if s == nil {
			return fmt.Errorf("it shows no service web")
		}
		if !slices.Equal(s.Running, []string{want}) {
			return fmt.Errorf("it shows %v", s.Running)
		}
		return nil
	}))
}

// others returns the nodes but those in not.
func (h *haLab) others(not ...string) []string {
	var out []string
	for _, n := range h.NodeNames() {
		if !slices.Contains(not, n) {
			out = append(out, n)
		}
	}
	return out
}

// mon returns node's om mon text.
func (h *haLab) mon(node string) string {
	h.t.Helper()
	return h.Must(node, "om", "mon")
}

func containsFold(s, sub string) bool {
	return strings.Contains(strings.ToLower(s), strings.ToLower(sub))
}
