package clusterlab

import (
	"net/netip"
	"os"
	"testing"
	"time"

	"github.com/omhcl/omhcl/testfixtures/netlab"
	"github.com/omhcl/omhcl/testfixtures/vmlab"
)

// Lab is a Rig for a test: every failure is fatal, everything is removed
// when the test ends, and the daemons' logs are printed if it failed.
type Lab struct {
	*Rig
	t testing.TB
}

// New builds a lab of n nodes with their daemons started. Options.BinDir
// must hold the built binaries. Call Join to form the cluster.
func New(t testing.TB, n int, opts Options) *Lab {
	t.Helper()
	netlab.RequireRoot(t) // skips unless root with working network namespaces
	if opts.VMs {
		vmlab.RequireLibvirt(t) // skips unless libvirt and qemu run here and the guest can be built
	}
	if opts.Logf == nil {
		opts.Logf = t.Logf
	}
	r, err := Create(n, opts)
	if err != nil {
		t.Fatalf("cluster lab: %v", err)
	}
	l := &Lab{Rig: r, t: t}
	t.Cleanup(func() {
		if t.Failed() || os.Getenv("OMHCL_LAB_LOGS") != "" { // set it to read the daemons' logs of passing tests too
			l.DumpLogs()
		}
		if err := r.Down(); err != nil {
			t.Errorf("cluster lab cleanup: %v", err)
		}
	})
	return l
}

// DumpLogs prints the end of every node's daemon log into the test output.
func (l *Lab) DumpLogs() {
	for _, n := range l.Nodes {
		l.t.Logf("---- %s daemon log (%s), last lines:\n%s", n.Name, n.Log, LogTail(n.Log, 200))
	}
}

// Check fails the test on err, naming the lab.
func (l *Lab) Check(err error) {
	l.t.Helper()
	if err != nil {
		l.t.Fatalf("cluster lab: %v", err)
	}
}

// Kill kills node: link cut, every process killed, addresses reset.
func (l *Lab) Kill(node string) { l.t.Helper(); l.Check(l.Rig.Kill(node)) }

// KillDaemon kills node's daemon only.
func (l *Lab) KillDaemon(node string) { l.t.Helper(); l.Check(l.Rig.KillDaemon(node)) }

// StartDaemon starts node's daemon again.
func (l *Lab) StartDaemon(node string) { l.t.Helper(); l.Check(l.Rig.StartDaemon(node)) }

// Cut sets node's link down on the bridge side.
func (l *Lab) Cut(node string) { l.t.Helper(); l.Check(l.Rig.Cut(node)) }

// Heal sets node's link up again.
func (l *Lab) Heal(node string) { l.t.Helper(); l.Check(l.Rig.Heal(node)) }

// Block cuts the traffic between nodes a and b only.
func (l *Lab) Block(a, b string) { l.t.Helper(); l.Check(l.Rig.Block(a, b)) }

// Unblock undoes Block.
func (l *Lab) Unblock(a, b string) { l.t.Helper(); l.Check(l.Rig.Unblock(a, b)) }

// Join forms the cluster and waits until every node sees every other.
func (l *Lab) Join() { l.t.Helper(); l.Check(l.Rig.Join(30 * time.Second)) }

// WaitDaemons waits until every daemon answers on its socket.
func (l *Lab) WaitDaemons() {
	l.t.Helper()
	for _, n := range l.Nodes {
		l.Check(l.Rig.WaitDaemon(n.Name, 30*time.Second))
	}
}

// Run runs argv as node and returns what it printed and returned; it is
// fatal only when the command cannot run at all.
func (l *Lab) Run(node string, argv ...string) Result {
	l.t.Helper()
	res, err := l.Rig.Run(node, argv...)
	l.Check(err)
	l.t.Logf("%s: %s", node, res)
	return res
}

// Must runs argv as node, fatal unless it exits 0, and returns its stdout.
func (l *Lab) Must(node string, argv ...string) string {
	l.t.Helper()
	res := l.Run(node, argv...)
	l.Check(res.Err())
	return res.Stdout
}

// Addrs returns node's addresses.
func (l *Lab) Addrs(node string) []netip.Prefix {
	l.t.Helper()
	a, err := l.Rig.Addrs(node)
	l.Check(err)
	return a
}

// Watch starts a Watcher of ip, stopped at the end of the test.
func (l *Lab) Watch(ip netip.Addr) *Watcher {
	w := l.Rig.Watch(ip)
	l.t.Cleanup(func() {
		w.Stop()
		l.t.Logf("%s", w.Report())
	})
	return w
}

// DeployExample adapts examples/lab/service.hcl (src) to the lab and
// deploys it on node, fatal unless omapply succeeds.
func (l *Lab) DeployExample(node string, src []byte) {
	l.t.Helper()
	cfg, err := l.Adapt(src)
	l.Check(err)
	res, err := l.Deploy(node, "web.hcl", cfg)
	l.Check(err)
	l.t.Logf("%s: %s", node, res)
	l.Check(res.Err())
}
