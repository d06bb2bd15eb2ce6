package clusterlab

import (
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/omhcl/omhcl/testfixtures/netlab"
)

// fakeDaemon stands in for `om daemon run` in the tests of the lab alone.
func fakeDaemon(*Node) []string { return []string{"sleep", "600"} }

func newFakeLab(t *testing.T, n int) *Lab {
	return New(t, n, Options{DaemonArgv: fakeDaemon, BinDir: t.TempDir()})
}

// serveIn runs a web server in node's namespace on its own address,
// answering as demoweb does, until the test ends.
func serveIn(t *testing.T, l *Lab, node string) {
	t.Helper()
	n, err := l.Node(node)
	if err != nil {
		t.Fatal(err)
	}
	var ln net.Listener
	if err := inNS(n.NS, func() (err error) {
		ln, err = net.Listen("tcp", n.Addr+":8080")
		return err
	}); err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprintf(w, "Hello from demoweb on node %s, serving / at %s\n", node, ln.Addr())
	})}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
}

func addAddr(t *testing.T, l *Lab, node, cidr string) {
	t.Helper()
	n, _ := l.Node(node)
	if _, err := runCmd("ip", "-n", n.NS, "addr", "add", cidr, "dev", NodeDev); err != nil {
		t.Fatal(err)
	}
}

func delAddr(t *testing.T, l *Lab, node, cidr string) {
	t.Helper()
	n, _ := l.Node(node)
	if _, err := runCmd("ip", "-n", n.NS, "addr", "del", cidr, "dev", NodeDev); err != nil {
		t.Fatal(err)
	}
}

func TestNodesHaveTheirNamespaceHostnameAndEnvironment(t *testing.T) {
	l := newFakeLab(t, 3)
	for i, n := range l.Nodes {
		pid := l.DaemonPID(n.Name)
		if pid == 0 {
			t.Fatalf("%s: no daemon running", n.Name)
		}
		out, err := runCmd("nsenter", "-t", fmt.Sprint(pid), "-u", "hostname")
		if err != nil || strings.TrimSpace(out) != n.Name {
			t.Errorf("%s: host name in the daemon's UTS namespace %q (err %v)", n.Name, out, err)
		}
		if out, err := runCmd("ip", "netns", "identify", fmt.Sprint(pid)); err != nil || strings.TrimSpace(out) != n.NS {
			t.Errorf("%s: daemon in netns %q, want %s (err %v)", n.Name, out, n.NS, err)
		}
		env, _ := os.ReadFile(fmt.Sprintf("/proc/%d/environ", pid))
		for _, kv := range []string{"OMHCL_NODE=" + n.Name, "OMHCL_STATE_DIR=" + n.StateDir, "OMHCL_CONFIG=" + n.ConfigDir} {
			if !strings.Contains(string(env), kv+"\x00") {
				t.Errorf("%s: daemon environment lacks %s", n.Name, kv)
			}
		}
		want := netip.MustParsePrefix(fmt.Sprintf("198.18.10.%d/24", i+1))
		if got := l.Addrs(n.Name); len(got) != 1 || got[0] != want {
			t.Errorf("%s: addresses %v, want [%s]", n.Name, got, want)
		}
		res := l.Run(n.Name, "sh", "-c", "echo $OMHCL_NODE; ip -o addr show dev eth0")
		if !strings.HasPrefix(res.Stdout, n.Name+"\n") || !strings.Contains(res.Stdout, want.String()) {
			t.Errorf("%s: Run does not run as the node: %q", n.Name, res.Stdout)
		}
	}
	if l.Nodes[0].Daemon.PID == l.Nodes[1].Daemon.PID {
		t.Error("two nodes share a daemon")
	}
}

func TestClientReachesNodesAndCutIsolates(t *testing.T) {
	l := newFakeLab(t, 3)
	for _, n := range l.Nodes {
		serveIn(t, l, n.Name)
	}
	url := "http://198.18.10.2:8080/"
	body, err := l.Get(url, 2*time.Second)
	if err != nil || ServedBy(body) != "node2" {
		t.Fatalf("client to node2: %q, %v", body, err)
	}
	// node to node, as the daemons gossip
	n1, _ := l.Node("node1")
	c, err := dialIn(t.Context(), n1.NS, "tcp", "198.18.10.3:8080")
	if err != nil {
		t.Fatalf("node1 to node3: %v", err)
	}
	c.Close()

	l.Cut("node2")
	if body, err := l.Get(url, 300*time.Millisecond); err == nil {
		t.Fatalf("node2 answered through a cut link: %q", body)
	}
	if _, err := l.Get("http://198.18.10.3:8080/", 2*time.Second); err != nil {
		t.Errorf("cutting node2 cut node3 too: %v", err)
	}
	l.Heal("node2")
	if got, err := l.WaitServed(url, 5*time.Second); err != nil || got != "node2" {
		t.Errorf("node2 after heal: %q, %v", got, err)
	}
}

func TestWatcherSeesMovesAndDoubles(t *testing.T) {
	l := newFakeLab(t, 3)
	w := l.Watch(ServiceIP)
	const cidr = ServiceAddr + "/24"
	wait := func(what string, want ...string) {
		t.Helper()
		if _, err := w.WaitFor(2*time.Second, what, func(h []string) bool { return strings.Join(h, ",") == strings.Join(want, ",") }); err != nil {
			t.Fatal(err)
		}
	}
	wait("nowhere at first")
	addAddr(t, l, "node1", cidr)
	wait("on node1", "node1")
	delAddr(t, l, "node1", cidr)
	addAddr(t, l, "node2", cidr)
	wait("moved to node2", "node2")
	if _, n := w.Doubles(); n != 0 {
		t.Fatalf("a clean move counted %d doubles:\n%s", n, w.Report())
	}
	addAddr(t, l, "node3", cidr)
	wait("on node2 and node3", "node2", "node3")
	if err := Await(2*time.Second, "the watcher to sample node2+node3 twice", func() error {
		if _, n := w.Doubles(); n < 2 {
			return fmt.Errorf("%d sample(s) on two nodes", n)
		}
		return nil
	}); err != nil {
		t.Fatalf("%v\n%s", err, w.Report())
	}
	doubles, n := w.Doubles()
	if n < 2 || len(doubles) == 0 || strings.Join(doubles[0].Holders, ",") != "node2,node3" {
		t.Errorf("doubles %v (%d), want node2+node3 sampled more than once", doubles, n)
	}
	var where []string // the places it was, "nowhere" between moves left out
	for _, s := range w.Timeline() {
		if len(s.Holders) > 0 {
			where = append(where, strings.Join(s.Holders, "+"))
		}
	}
	if got := strings.Join(where, " "); got != "node1 node2 node2+node3" {
		t.Errorf("timeline %q", got)
	}
	if samples, failed, err := w.Stats(); failed != 0 || samples < 5 {
		t.Errorf("%d samples, %d failed (%v)", samples, failed, err)
	}
}

// startIn starts a background process in node's namespace, as a service's
// app would run there, reaped when it dies.
func startIn(t *testing.T, l *Lab, node string) Proc {
	t.Helper()
	n, _ := l.Node(node)
	cmd := exec.Command("nsenter", "--net="+n.NSPath(), "sleep", "600")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go cmd.Wait()
	p, err := procOf(cmd.Process.Pid)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = p.kill() })
	return p
}

func TestKillDaemonLeavesTheResources(t *testing.T) {
	l := newFakeLab(t, 2)
	app := startIn(t, l, "node1")
	addAddr(t, l, "node1", ServiceAddr+"/24")
	old := l.Nodes[0].Daemon
	l.KillDaemon("node1")
	if old.Alive() || l.DaemonPID("node1") != 0 {
		t.Fatalf("daemon %d survived", old.PID)
	}
	if !app.Alive() {
		t.Error("killing the daemon killed the app")
	}
	if h, _ := l.Holders(ServiceIP); len(h) != 1 || h[0] != "node1" {
		t.Errorf("service address holders %v after the daemon's death", h)
	}
	l.StartDaemon("node1")
	if pid := l.DaemonPID("node1"); pid == 0 || pid == old.PID {
		t.Errorf("restarted daemon pid %d (old %d)", pid, old.PID)
	}
}

func TestKillIsADeathAndBootRevives(t *testing.T) {
	l := newFakeLab(t, 2)
	app := startIn(t, l, "node2")
	addAddr(t, l, "node2", ServiceAddr+"/24")
	l.Kill("node2")
	if pids, err := l.Pids("node2"); err != nil || len(pids) != 0 {
		t.Errorf("processes left in node2: %v (%v)", pids, err)
	}
	if app.Alive() {
		t.Error("the app survived the node's death")
	}
	want := netip.MustParsePrefix("198.18.10.2/24")
	if got := l.Addrs("node2"); len(got) != 1 || got[0] != want {
		t.Errorf("addresses after death %v, want only %s", got, want)
	}
	n2, _ := l.Node("node2")
	if out, _ := runCmd("ip", "-n", l.Switch, "-o", "link", "show", n2.Port); !strings.Contains(out, "state DOWN") {
		t.Errorf("node2's link is not down: %s", out)
	}
	if !n2.Killed {
		t.Error("node2 not marked killed")
	}
	l.Heal("node2")
	l.StartDaemon("node2")
	if l.DaemonPID("node2") == 0 || n2.Killed {
		t.Error("node2 not revived")
	}
	serveIn(t, l, "node2")
	if _, err := l.WaitServed("http://198.18.10.2:8080/", 5*time.Second); err != nil {
		t.Errorf("node2 unreachable after revival: %v", err)
	}
}

// TestOpenAndDown drives a lab the way the lab tool does: created in one
// run, reopened from lab.json in the next, then taken down.
func TestOpenAndDown(t *testing.T) {
	netlab.RequireRoot(t)
	root := t.TempDir() + "/lab"
	r, err := Create(2, Options{Root: root, DaemonArgv: fakeDaemon, Prefix: fmt.Sprintf("clt%d", os.Getpid())})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = r.Down() }) // a no-op once Down ran
	again, err := Open(root, t.Logf)
	if err != nil {
		t.Fatal(err)
	}
	if got := again.NodeNames(); strings.Join(got, ",") != "node1,node2" || again.Nodes[1].Daemon != r.Nodes[1].Daemon {
		t.Fatalf("reopened lab: %v, daemon %+v want %+v", got, again.Nodes[1].Daemon, r.Nodes[1].Daemon)
	}
	old := r.Nodes[1].Daemon
	if err := again.KillDaemon("node2"); err != nil || old.Alive() {
		t.Fatalf("kill the daemon from the reopened lab: %v (alive %v)", err, old.Alive())
	}
	if _, err := Create(2, Options{Root: root, DaemonArgv: fakeDaemon}); err == nil || !strings.Contains(err.Error(), "already") {
		t.Errorf("a second lab in the same root: %v", err)
	}
	if err := again.Down(); err != nil {
		t.Fatal(err)
	}
	for _, ns := range []string{again.Switch, again.Client, again.Nodes[0].NS, again.Nodes[1].NS} {
		if nsExists(ns) {
			t.Errorf("netns %s left after Down", ns)
		}
	}
	if r.Nodes[0].Daemon.Alive() {
		t.Error("node1's daemon left after Down")
	}
	if _, err := os.Stat(root); !os.IsNotExist(err) {
		t.Errorf("%s left after Down (%v)", root, err)
	}
	if _, err := Open(root, nil); err == nil {
		t.Error("Open of a removed lab succeeded")
	}
}

func TestCreateRefusesBadSizes(t *testing.T) {
	for _, n := range []int{0, -1, maxNodes + 1} {
		if _, err := Create(n, Options{DaemonArgv: fakeDaemon}); err == nil {
			t.Errorf("Create(%d) succeeded", n)
		}
	}
	if _, err := Create(1, Options{BinDir: t.TempDir()}); err == nil || !strings.Contains(err.Error(), "om binary") {
		t.Errorf("Create without om: %v", err)
	}
}

func TestServedBy(t *testing.T) {
	for body, want := range map[string]string{
		"Hello from demoweb on node node2, serving /x at 198.18.10.100:8080\n": "node2",
		"Hello from demoweb on node n3\n":                                      "n3",
		"<html>index</html>":                                                   "",
	} {
		if got := ServedBy(body); got != want {
			t.Errorf("ServedBy(%q) = %q, want %q", body, got, want)
		}
	}
}

func TestProcIdentity(t *testing.T) {
	me, err := procOf(os.Getpid())
	if err != nil || !me.Alive() {
		t.Fatalf("this process: %+v alive=%v err=%v", me, me.Alive(), err)
	}
	if (Proc{PID: me.PID, Start: me.Start + 1}).Alive() {
		t.Error("a reused pid (other start time) counts as alive")
	}
	if (Proc{}).Alive() {
		t.Error("the zero Proc is alive")
	}
}

func TestUsageOfThisProcess(t *testing.T) {
	before, err := cpuTime(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	for end := time.Now().Add(100 * time.Millisecond); time.Now().Before(end); {
	} // burn CPU: the counter must move
	after, _ := cpuTime(os.Getpid())
	if after-before < 30*time.Millisecond {
		t.Errorf("100 ms of busy loop counted as %s of CPU", after-before)
	}
	rss, err := rssKB(os.Getpid())
	if err != nil || rss < 1024 || rss > 4<<20 {
		t.Errorf("RSS %d kB (err %v)", rss, err)
	}
	if _, err := rssKB(-1); err == nil {
		t.Error("RSS of pid -1")
	}
}
