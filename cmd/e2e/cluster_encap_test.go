package e2e

import (
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/omhcl/omhcl/testfixtures/clusterlab"
)

// Seed 002's three topologies of encapsulated services on the cluster
// lab, each lab node running its own container engine: the service's
// address and web app run inside docker containers whose host names are
// the service's encap nodes. The containers share their node's network
// namespace, so the service address is plumbed on the node's eth0 and the
// watcher sees it there.

// encapHA is a lab running an encapsulated service "web".
type encapHA struct {
	*haLab
	// encapOf is the encap node a node's container is: the name the app
	// greets with when it runs there.
	encapOf func(node string) string
}

// newEncapHALab builds a 3-node lab with engines, formed, and deploys the
// service of file (relative to the repository root) through node1;
// prepare, when set, runs before the deploy.
func newEncapHALab(t *testing.T, file string, encapOf func(string) string, prepare func(*clusterlab.Lab)) *encapHA {
	lab := clusterlab.New(t, 3, clusterlab.Options{BinDir: binDir, Profile: "fast", Engines: true})
	lab.WaitDaemons()
	lab.Join()
	if prepare != nil {
		prepare(lab)
	}
	src, err := os.ReadFile("../../" + file)
	if err != nil {
		t.Fatal(err)
	}
	h := &encapHA{haLab: &haLab{Lab: lab, t: t, w: lab.Watch(clusterlab.ServiceIP)}, encapOf: encapOf}
	t.Cleanup(h.checkNoDoubles)
	lab.DeployExample("node1", src)
	h.holder = h.waitServed("the service deployed")
	return h
}

// waitServed waits until one node other than those in not holds the
// service address, alone, and the client is answered by the app in that
// node's container; it returns the node.
func (h *encapHA) waitServed(what string, not ...string) string {
	h.t.Helper()
	deadline := time.Now().Add(failoverWithin)
	last := ""
	for {
		if got := h.w.Holders(); len(got) == 1 && !slices.Contains(not, got[0]) {
			node := got[0]
			body, err := h.Get(clusterlab.ServiceURL, 300*time.Millisecond)
			if err == nil && clusterlab.ServedBy(body) == h.encapOf(node) {
				h.t.Logf("%s: web runs in %s on %s", what, h.encapOf(node), node)
				return node
			}
			last = strings.TrimSpace(body)
			if err != nil {
				last = err.Error()
			}
		}
		if time.Now().After(deadline) {
			h.t.Fatalf("%s: not served from a node other than %v within %s (address on %v, last answer %q)\n%s",
				what, not, failoverWithin, h.w.Holders(), last, h.w.Report())
		}
		time.Sleep(clusterlab.WatchInterval)
	}
}

// containersOn returns, for every node whose engine answers, the names of
// web's running containers there.
func (h *encapHA) containersOn(nodes ...string) map[string][]string {
	h.t.Helper()
	out := map[string][]string{}
	for _, n := range nodes {
		out[n] = h.runningContainers(n)
	}
	return out
}

// stillServedBy watches for quietFor that node alone holds the address
// and answers from its container, and that no other node runs the app.
func (h *encapHA) stillServedBy(node, what string) {
	h.t.Helper()
	end := time.Now().Add(quietFor)
	for time.Now().Before(end) {
		if got := h.w.Holders(); !slices.Equal(got, []string{node}) {
			h.t.Fatalf("%s: service address on %v, want %s alone\n%s", what, got, node, h.w.Report())
		}
		time.Sleep(200 * time.Millisecond)
	}
	if body, err := h.Get(clusterlab.ServiceURL, 2*time.Second); err != nil || clusterlab.ServedBy(body) != h.encapOf(node) {
		h.t.Fatalf("%s: the client got %q (%v), want an answer from %s", what, body, err, h.encapOf(node))
	}
	for _, n := range h.others(node) {
		if len(h.appPids(n)) > 0 {
			h.t.Fatalf("%s: a web app runs on %s too", what, n)
		}
	}
}

// 1. Failover, single node (examples/lab-encap): the node level is an HA
// service driving one container, vm1; the address and the app run inside
// it. The node running it dies: another node starts the container and,
// through its agent, the level inside; the client is served from there,
// and the address is never on two nodes. The dead node comes back and
// starts no second copy.
func TestClusterEncapFailoverSingleNode(t *testing.T) {
	h := newEncapHALab(t, "examples/lab-encap/service.hcl", func(string) string { return "vm1" }, nil)
	h.settle("the service deployed", h.holder)
	dead := h.holder
	if got := h.containersOn(h.NodeNames()...); !onlyOn(got, dead) {
		t.Fatalf("deployed on %s, web's containers run on %v", dead, got)
	}
	tree := h.Must(dead, "om", "web", "status")
	for _, rid := range []string{"container#vm1", "ip#web", "app#web"} {
		if _, st := flagsAndStatus(t, tree, rid); st != "up" {
			t.Errorf("%s is %s on %s, want up:\n%s", rid, st, dead, tree)
		}
	}

	start := time.Now()
	h.Kill(dead)
	to := h.waitServed("after "+dead+" died", dead)
	t.Logf("failover of the encapsulated service: served from %s %s after %s died", to, time.Since(start).Round(time.Millisecond), dead)
	h.settle("after "+dead+" died", to)
	if got := h.containersOn(h.others(dead)...); !onlyOn(got, to) {
		t.Errorf("after the failover to %s, web's containers run on %v", to, got)
	}

	h.Check(h.Revive(dead, settleWithin))
	h.stillServedBy(to, "after "+dead+" came back")
	if got := h.runningContainers(dead); len(got) > 0 {
		t.Errorf("%s came back and runs %v", dead, got)
	}
}

// onlyOn says whether node alone runs one container in got.
func onlyOn(got map[string][]string, node string) bool {
	for n, names := range got {
		if (n == node) != (len(names) == 1) || len(names) > 1 {
			return false
		}
	}
	return true
}
