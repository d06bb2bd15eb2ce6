package cluster

import (
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/omhcl/omhcl/cluster"
	"github.com/omhcl/omhcl/testfixtures/clusterlab"
	"github.com/omhcl/omhcl/testfixtures/statustree"
	"github.com/omhcl/omhcl/wire"
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
	lab := newEnginesLab(t, prepare)
	h := &encapHA{haLab: &haLab{Lab: lab, t: t, w: lab.Watch(clusterlab.ServiceIP), greeting: encapOf}, encapOf: encapOf}
	t.Cleanup(h.checkNoDoubles)
	lab.DeployExample("node1", example(t, file))
	h.holder = h.waitServed("the service deployed")
	return h
}

// newEnginesLab is a formed 3-node lab whose nodes run engines; prepare,
// when set, runs once it is formed.
func newEnginesLab(t *testing.T, prepare func(*clusterlab.Lab)) *clusterlab.Lab {
	lab := clusterlab.New(t, 3, clusterlab.Options{BinDir: binDir, Profile: "fast", Engines: true})
	lab.WaitDaemons()
	lab.Join()
	if prepare != nil {
		prepare(lab)
	}
	return lab
}

// example is the text of file, relative to the repository root.
func example(t *testing.T, file string) []byte {
	src, err := os.ReadFile("../../../" + file) // from the repository root
	if err != nil {
		t.Fatal(err)
	}
	return src
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

// 1. Failover, single node (examples/lab-encap): the node level is an HA
// service driving one container, vm1; the address and the app run inside
// it. The container dies: its node restarts it with the level inside. The
// node running it dies: another node starts the container and, through
// its agent, the level inside; the client is served from there, and the
// address is never on two nodes. The dead node comes back and starts no
// second copy.
func TestClusterEncapFailoverSingleNode(t *testing.T) {
	h := newEncapHALab(t, "examples/lab-encap/service.hcl", func(string) string { return "vm1" }, nil)
	h.settle("the service deployed", h.holder)
	dead := h.holder
	if got := h.containersOn(h.NodeNames()...); !onlyOn(got, dead) {
		t.Fatalf("deployed on %s, web's containers run on %v", dead, got)
	}
	tree := h.Must(dead, "om", "web", "status")
	for _, rid := range []string{"container#vm1", "ip#web", "app#web"} {
		if _, st := statustree.FlagsAndStatus(t, tree, rid); st != "up" {
			t.Errorf("%s is %s on %s, want up:\n%s", rid, st, dead, tree)
		}
	}

	// The container dies: its node restarts it, and the level inside with
	// it (the address it left on the node is found up, the app started).
	old := h.appPid(dead)
	start := time.Now()
	h.Must(dead, "docker", "kill", "web.container.vm1")
	h.waitAppRestarted(dead, old)
	t.Logf("the container killed: served again from %s %s after", dead, time.Since(start).Round(time.Millisecond))
	h.settle("the container restarted", dead)

	// It dies again, its restart spent: the service moves (monitor_action
	// switch). The container shared the node's network namespace: the
	// address its level plumbed stays on the node, where no agent is left
	// to remove it; the node drops it itself, else no other node could
	// start the service (its conflict probe would answer).
	start = time.Now()
	h.Must(dead, "docker", "kill", "web.container.vm1")
	moved := h.waitServed("after the container died twice on "+dead, dead)
	t.Logf("the container killed twice: served from %s %s after", moved, time.Since(start).Round(time.Millisecond))
	h.waitAddrGone(dead, dead+" drops the address its dead container left")
	h.settle("after the relocation", moved)
	dead = moved

	start = time.Now()
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

// The farmed topologies (examples/lab-encap-farmed-*): a container per
// node, vm-NODE, each running a daemon of its own; those daemons form a
// cluster of the containers and place the service inside.

// farmedContainer is the engine's name of web's container on every node.
const farmedContainer = "web.container.vm"

func vmOf(node string) string { return "vm-" + node }

// seedInnerCluster writes the cluster settings the daemons in the
// containers start with, in the state directory each node's container
// mounts (LAB/NODE/vm): one secret, the three encap nodes and their gossip
// addresses (the node's address, port 7956). They join each other as they
// start; one alone has one vote of three: no quorum, it starts nothing.
func seedInnerCluster(lab *clusterlab.Lab) {
	c := &cluster.Config{Secret: cluster.NewSecret(), Profile: "fast", Addrs: map[string]string{}}
	for _, n := range lab.Nodes {
		c.Nodes = append(c.Nodes, vmOf(n.Name))
		c.Addrs[vmOf(n.Name)] = n.Addr + ":7956"
	}
	for _, n := range lab.Nodes {
		lab.Check(c.Save(filepath.Join(lab.Root, n.Name, "vm")))
	}
}

func newFarmedLab(t *testing.T, file string) *encapHA {
	h := newEncapHALab(t, file, vmOf, seedInnerCluster)
	h.logInnerOnFailure()
	return h
}

// logInnerOnFailure prints the end of the inner daemons' logs if the test
// fails (or OMHCL_LAB_LOGS is set).
func (h *encapHA) logInnerOnFailure() {
	t := h.t
	t.Cleanup(func() {
		if t.Failed() || os.Getenv("OMHCL_LAB_LOGS") != "" {
			for _, n := range h.NodeNames() {
				t.Logf("---- %s: daemon log inside %s, last lines:\n%s", n, vmOf(n), clusterlab.LogTail(h.innerLog(n), 80))
			}
		}
	})
}

// innerLog is the log of the daemon in node's container, as its engine
// keeps it (the daemon logs on its stderr).
func (h *encapHA) innerLog(node string) string {
	res, err := h.Rig.Run(node, "docker", "logs", "--tail", "200", farmedContainer)
	if err != nil {
		return err.Error()
	}
	f := filepath.Join(h.t.TempDir(), node+".log")
	os.WriteFile(f, []byte(res.Stdout+res.Stderr), 0o644)
	return f
}

// inside runs argv in node's container.
func (h *encapHA) inside(node string, argv ...string) (clusterlab.Result, error) {
	return h.Rig.Run(node, append([]string{"docker", "exec", farmedContainer}, argv...)...)
}

// innerMon is the view of the daemon in node's container (om mon --json).
func (h *encapHA) innerMon(node string) (*wire.MonView, error) {
	res, err := h.inside(node, "/usr/local/bin/om", "mon", "--json")
	if err == nil {
		err = res.Err()
	}
	if err != nil {
		return nil, err
	}
	var v wire.MonView
	if err := json.Unmarshal([]byte(res.Stdout), &v); err != nil {
		return nil, fmt.Errorf("%s: om mon --json in %s: %v", node, vmOf(node), err)
	}
	return &v, nil
}

// waitInner waits until the daemon in every container of nodes shows web
// running on want exactly (encap nodes), busy nowhere.
func (h *encapHA) waitInner(what string, nodes []string, want ...string) {
	h.t.Helper()
	slices.Sort(want)
	awaited := fmt.Sprintf("the daemons in the containers of %v to show web running on %v, idle", nodes, want)
	if err := clusterlab.Await(settleWithin, awaited, func() error { return h.innerRunning(nodes, want) }); err != nil {
		report := ""
		if h.w != nil {
			report = h.w.Report()
		}
		h.t.Fatalf("%s: %v\n%s", what, err, report)
	}
	h.t.Logf("%s: the daemons inside show web running on %v", what, want)
}

func (h *encapHA) innerRunning(nodes, want []string) error {
	for _, n := range nodes {
		v, err := h.innerMon(n)
		if err != nil {
			return err
		}
		s := clusterlab.MonServiceOf(v, "web")
		if s == nil {
			return fmt.Errorf("the daemon in %s has no service web", vmOf(n))
		}
		if got := slices.Sorted(slices.Values(s.Running)); !slices.Equal(got, want) {
			return fmt.Errorf("the daemon in %s shows web running on %v, want %v", vmOf(n), got, want)
		}
		for node, in := range s.Instances {
			if in != nil && in.Busy != "" {
				return fmt.Errorf("the daemon in %s shows web busy in %s: %s", vmOf(n), node, in.Busy)
			}
		}
	}
	return nil
}

// nodeLevelOnAll waits until the node daemons of nodes show web's node
// level (the containers, flex) running on every one of them, idle, and
// their engines run its container.
func (h *encapHA) nodeLevelOnAll(what string, nodes ...string) {
	h.t.Helper()
	awaited := fmt.Sprintf("the daemons of %v to show web's containers running on all of them, idle", nodes)
	if err := clusterlab.Await(settleWithin, awaited, func() error { return h.nodeLevelRuns(nodes) }); err != nil {
		h.t.Fatalf("%s: %v", what, err)
	}
}

// containerStarts returns when each node's container last started: the
// same after an event means the node level left it alone.
func (h *encapHA) containerStarts(nodes ...string) map[string]string {
	h.t.Helper()
	out := map[string]string{}
	for _, n := range nodes {
		out[n] = strings.TrimSpace(h.Must(n, "docker", "inspect", "-f", "{{.State.StartedAt}}", farmedContainer))
	}
	return out
}

func (h *encapHA) nodeLevelRuns(nodes []string) error {
	for _, n := range nodes {
		v, err := h.Mon(n)
		if err != nil {
			return err
		}
		s := clusterlab.MonServiceOf(v, "web")
		if s == nil {
			return fmt.Errorf("the daemon of %s has no service web", n)
		}
		if got := slices.Sorted(slices.Values(s.Running)); !slices.Equal(got, nodes) {
			return fmt.Errorf("the daemon of %s shows web's containers running on %v, want %v", n, got, nodes)
		}
		for node, in := range s.Instances {
			if in != nil && in.Busy != "" {
				return fmt.Errorf("the daemon of %s shows web busy on %s: %s", n, node, in.Busy)
			}
		}
		if got := h.runningContainers(n); len(got) != 1 {
			return fmt.Errorf("the engine of %s runs %v, want web's container", n, got)
		}
	}
	return nil
}

// 2. Farmed failover (examples/lab-encap-farmed-failover): a container on
// every node, and inside, a failover service among the containers, placed
// by the daemons running in them. Deployed, it runs in one container, the
// node level plans nothing inside (the daemons place it) and agents leave
// placement to them; its app dies twice in that container: the daemon
// there restarts it once, then the daemons move it to another container,
// where the client is served, the containers running throughout. The
// node level stops that container: the agent drains the daemon there and
// stops the level, the daemons elsewhere take it over. Then the node
// running it dies, its container with it: the daemons in the other
// containers take the service over.
func TestClusterEncapFarmedFailover(t *testing.T) {
	h := newFarmedLab(t, "examples/lab-encap-farmed-failover/service.hcl")
	all := h.NodeNames()
	from := h.holder
	h.waitInner("deployed", all, vmOf(from))
	h.nodeLevelOnAll("deployed", all...)
	started := h.containerStarts(all...)

	// The node level leaves the level inside to the daemons there.
	out := h.Must("node1", "omplan", "-detailed-exitcode")
	if !strings.Contains(out, "No changes") || !strings.Contains(out, "web[vm-node1]: placed by the daemons inside the containers") {
		t.Errorf("node1's plan does not leave the level inside to the daemons there:\n%s", out)
	}
	for _, n := range all {
		res := h.Run(n, "om", "web", "status", "--refresh")
		if !strings.Contains(res.Stdout, "placed by the daemons inside the containers") {
			t.Errorf("om web status on %s does not say the daemons inside place it:\n%s", n, res.Stdout)
		}
		if n != from && strings.Contains(res.Stdout, "warn") {
			t.Errorf("om web status on %s warns where the daemons inside keep the service down:\n%s", n, res.Stdout)
		}
	}
	conv, err := h.inside(from, "/usr/local/bin/om", "agent", "converge", "web", "--node", vmOf(from), "--target", "standby")
	h.Check(err)
	if conv.Code != 0 || !strings.Contains(conv.Stdout, "the daemons inside the containers place web; nothing done here for target standby") {
		t.Errorf("the agent asked to converge to standby where the service runs: %s", conv)
	}
	h.stillServedBy(from, "after the agent in "+vmOf(from)+" was asked for standby")

	old := h.killApp(from)
	h.waitAppRestarted(from, old)
	h.waitInner("the app restarted in "+vmOf(from), all, vmOf(from)) // and the restart done
	start := time.Now()
	h.killApp(from)
	to := h.waitServed("after the app died twice in "+vmOf(from), from)
	t.Logf("relocation inside: served from %s %s after the second kill of the app in %s", vmOf(to), time.Since(start).Round(time.Millisecond), vmOf(from))
	h.waitInner("after the relocation", all, vmOf(to))
	h.nodeLevelOnAll("after the relocation", all...)
	if now := h.containerStarts(all...); !maps.Equal(now, started) {
		t.Errorf("the containers restarted while the daemons inside moved the service: started %v, then %v", started, now)
	}
	h.stillServedBy(to, "after the relocation")

	// The node level stops the container running it (frozen, so that its
	// daemon does not start it again at once): the agent drains the daemon
	// there and stops the level itself, the container stops, and the
	// daemons in the other containers take the service over.
	h.Must(to, "om", "web", "freeze")
	start = time.Now()
	out = h.Must(to, "om", "web", "stop", "--local")
	if i, j := strings.Index(out, "drained"), strings.Index(out, "docker stop"); i < 0 || j < i || !strings.Contains(out, "ip addr del") {
		t.Errorf("the stop of the container on %s did not drain its daemon and stop the level before the container:\n%s", to, out)
	}
	next := h.waitServed("after the container on "+to+" was stopped", to)
	t.Logf("relocation inside: served from %s %s after the stop of %s began", vmOf(next), time.Since(start).Round(time.Millisecond), vmOf(to))
	h.waitInner("the container on "+to+" stopped", h.others(to), vmOf(next))
	h.Must(to, "om", "web", "thaw")
	h.waitInner("the container on "+to+" back", all, vmOf(next))
	h.nodeLevelOnAll("the container on "+to+" back", all...)

	// The node running it dies, and its container with it: the daemons in
	// the other containers move the service to one of theirs.
	start = time.Now()
	h.Kill(next)
	last := h.waitServed("after "+next+" died", next)
	t.Logf("relocation inside: served from %s %s after %s died with %s", vmOf(last), time.Since(start).Round(time.Millisecond), next, vmOf(next))
	h.waitInner("after "+next+" died", h.others(next), vmOf(last))
}

// poolURL is the address of the app in node's container, in the farmed
// flex topology.
func (h *encapHA) poolURL(node string) string {
	n, err := h.Node(node)
	h.Check(err)
	return "http://" + n.Addr + ":8081/"
}

// waitPool waits until node's app answers from its container, with
// another pid than old (0: any), and returns its pid.
func (h *encapHA) waitPool(node string, old int) int {
	h.t.Helper()
	deadline := time.Now().Add(settleWithin)
	for {
		body, err := h.Get(h.poolURL(node), 300*time.Millisecond)
		if pids := h.appPids(node); err == nil && clusterlab.ServedBy(body) == vmOf(node) && len(pids) == 1 && pids[0] != old {
			return pids[0]
		}
		if time.Now().After(deadline) {
			h.t.Fatalf("waited %s for the app in %s to answer, another process than pid %d: last answer %q (%v), apps %v",
				settleWithin, vmOf(node), old, body, err, h.appPids(node))
		}
		time.Sleep(clusterlab.WatchInterval)
	}
}

// 3. Farmed flex (examples/lab-encap-farmed-flex): the same containers,
// and inside, a flex service on all of them, placed by their daemons:
// every container serves the app on its node's address. One container is
// killed: the other two keep serving, every request answered; its node
// starts it again and the daemon inside starts its app again.
func TestClusterEncapFarmedFlex(t *testing.T) {
	lab := newEnginesLab(t, seedInnerCluster)
	h := &encapHA{haLab: &haLab{Lab: lab, t: t}, encapOf: vmOf}
	h.logInnerOnFailure()
	lab.DeployExample("node1", example(t, "examples/lab-encap-farmed-flex/service.hcl"))
	all := h.NodeNames()
	var vms []string
	for _, n := range all {
		vms = append(vms, vmOf(n))
	}
	h.waitInner("deployed", all, vms...)
	h.nodeLevelOnAll("deployed", all...)
	pids := map[string]int{}
	for _, n := range all {
		pids[n] = h.waitPool(n, 0)
	}
	out := h.Must("node1", "omplan", "-detailed-exitcode")
	if !strings.Contains(out, "Note: web[vm-node1]: placed by the daemons inside the containers") {
		t.Errorf("node1's plan does not leave the level inside to the daemons there:\n%s", out)
	}

	dead := "node2"
	probes := map[string]*clusterlab.Prober{}
	for _, n := range h.others(dead) {
		probes[n] = h.Probe(h.poolURL(n))
	}
	h.probesAnswered(probes, "before "+vmOf(dead)+"'s container is killed")
	start := time.Now()
	h.Must(dead, "docker", "kill", farmedContainer)
	if got := h.appPids(dead); len(got) > 0 {
		t.Fatalf("the app in %s still runs after its container was killed: %v", vmOf(dead), got)
	}
	h.waitPool(dead, pids[dead])
	t.Logf("the app in %s answers again %s after its container was killed", vmOf(dead), time.Since(start).Round(time.Millisecond))
	h.waitInner("after "+vmOf(dead)+" came back", all, vms...)
	h.probesAnswered(probes, "once "+vmOf(dead)+" is back")
	for n, p := range probes {
		st := p.Stop()
		t.Logf("%s: %s", h.poolURL(n), st)
		if st.OK != st.Sent || st.Servers[vmOf(n)] != st.OK {
			t.Errorf("while %s's container was down, the app in %s missed answers: %s", dead, vmOf(n), st)
		}
	}
	h.nodeLevelOnAll("after "+vmOf(dead)+" came back", all...)
}

// probesAnswered waits until the app in each probed node's container has
// answered its prober ten more times: a second of service seen.
func (h *encapHA) probesAnswered(probes map[string]*clusterlab.Prober, what string) {
	h.t.Helper()
	for n, p := range probes {
		if err := p.WaitAnswers(vmOf(n), 10, settleWithin); err != nil {
			h.t.Fatalf("%s: %v", what, err)
		}
	}
}

// Seed 002's configuration replication in a cluster: the service's
// configuration edited inside its container is the newest; the daemon of
// the node running the container pulls it and the cluster distributes it
// to every node, instead of pushing its older one over it.
func TestClusterEncapConfigEditedInsideIsDistributed(t *testing.T) {
	h := newEncapHALab(t, "examples/lab-encap/service.hcl", func(string) string { return "vm1" }, nil)
	h.settle("the service deployed", h.holder)
	kept := h.keptInVM1()
	if !strings.Contains(kept.Source, "encapsulated in a container") {
		t.Fatalf("the configuration kept in the container:\n%s", kept.Source)
	}
	// an edit of the level inside: a setting scoped @encapnodes
	h.editInVM1(strings.Replace(kept.Source, `nodes = ["vm1"]`, "nodes = [\"vm1\"]\n    app   = \"edited in vm1\"", 1))
	for _, n := range h.NodeNames() {
		h.Check(clusterlab.Await(settleWithin, n+"'s daemon to hold the configuration edited in vm1", func() error {
			if e := readEntry(t, n, h.Lab); e.Gen <= kept.Gen || !strings.Contains(e.Source, "edited in vm1") {
				return fmt.Errorf("it holds generation %d of web (the edit comes after %d):\n%s", e.Gen, kept.Gen, e.Source)
			}
			return nil
		}))
	}
	if !strings.Contains(h.keptInVM1().Source, "edited in vm1") {
		t.Errorf("the edit inside was overwritten:\n%s", h.keptInVM1().Source)
	}
	h.stillServedBy(h.holder, "after the configuration edited inside was distributed")

	// an edit of the node's level (a setting outside @encapnodes) is
	// refused whole: the node puts its own back, the status says why
	taken := h.keptInVM1()
	h.editInVM1(strings.Replace(taken.Source, "lab web site, encapsulated in a container", "taken over from vm1", 1))
	h.Check(clusterlab.Await(settleWithin, "the status to say the edit in vm1 was refused", func() error {
		out := h.Run(h.holder, "om", "web", "status").Stdout
		for _, want := range []string{"warn: web: generation " + fmt.Sprint(taken.Gen+1), "refused", "setting app", "om web edit config on " + h.holder} {
			if !strings.Contains(out, want) {
				return fmt.Errorf("no %q in:\n%s", want, out)
			}
		}
		return nil
	}))
	h.Check(clusterlab.Await(settleWithin, "the node's configuration back in vm1", func() error {
		if e := h.keptInVM1(); e.Gen != taken.Gen || strings.Contains(e.Source, "taken over") {
			return fmt.Errorf("vm1 keeps generation %d:\n%s", e.Gen, e.Source)
		}
		return nil
	}))
	for _, n := range h.NodeNames() {
		if e := readEntry(t, n, h.Lab); e.Gen != taken.Gen || strings.Contains(e.Source, "taken over") {
			t.Errorf("%s holds generation %d of web, want %d, the last one taken:\n%s", n, e.Gen, taken.Gen, e.Source)
		}
	}
	h.stillServedBy(h.holder, "after the edit in vm1 was refused")
}

// keptInVM1 is the configuration of web the agent in vm1 keeps.
func (h *encapHA) keptInVM1() (e struct {
	Gen    int64  `json:"generation"`
	Source string `json:"source"`
}) {
	h.t.Helper()
	out := h.Must(h.holder, "docker", "exec", "web.container.vm1", "cat", "/var/lib/omhcl/config/web.json")
	if err := json.Unmarshal([]byte(out), &e); err != nil {
		h.t.Fatalf("the configuration kept in the container: %v\n%s", err, out)
	}
	return e
}

// editInVM1 edits web's configuration inside vm1 (om web edit config
// there, as root in the container can) to text, and has the node's agent
// report it now, not in 30 s.
func (h *encapHA) editInVM1(text string) {
	h.t.Helper()
	// the editor inside copies the new text from the lab's www, mounted there
	if err := os.WriteFile(filepath.Join(h.Root, "www", "next.hcl"), []byte(text), 0o644); err != nil {
		h.t.Fatal(err)
	}
	h.Must(h.holder, "docker", "exec", "-e", "EDITOR=cat /opt/omlab/www/next.hcl >", "web.container.vm1", "/usr/local/bin/om", "web", "edit", "config")
	h.Must(h.holder, "om", "web", "status", "-r")
}

// readEntry is node's daemon's stored configuration of web.
func readEntry(t *testing.T, node string, lab *clusterlab.Lab) (e struct {
	Gen    int64  `json:"generation"`
	Source string `json:"source"`
}) {
	t.Helper()
	n, err := lab.Node(node)
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(n.StateDir, "config", "web.json"))
	if err == nil {
		json.Unmarshal(b, &e)
	}
	return e
}
