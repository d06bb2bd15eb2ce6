package e2e

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/omhcl/omhcl/testfixtures/statustree"
)

// Seed 002's encapsulated service (encapService) on an lxc system
// container: busybox init, host name vm1, the page bind-mounted in, no
// network of its own (the driver writes lxc.net.0.type = empty) so that
// ip#0 plumbs eth0 into it; inside, the agent plumbs the service address
// on eth0 and runs the web server. %[1]s is the lxcpath, %[2]s the page's
// directory, %[3]s the service address.
const encapLXCService = `
service "enc" {
  nodes      = ["demo1"]
  encapnodes = ["vm1"]
  on "@encapnodes" {
    nodes = ["vm1"]
  }

  container "0" {
    type     = "lxc"
    lxcpath  = "%[1]s"
    hostname = "vm1"
    config = {
      "lxc.mount.entry" = "%[2]s www none bind,ro,create=dir 0 0"
    }
  }

  ip "0" {
    type   = "netns"
    ipname = "198.18.3.11/24"
    ipdev  = "prd0"
    netns  = container.0.netns_path
  }

  ip "1" {
    ipname = "%[3]s/24"
    ipdev  = "eth0"
    tags   = ["encap"]
  }

  app "web" {
    type  = "simple"
    start = "/bin/httpd -f -p 8080 -h /www"
    tags  = ["encap"]
  }
}
`

// encapLXCName is the container's lxc name: the driver's default,
// SERVICE.RESOURCE, unique in the test's own lxcpath.
const encapLXCName = "enc.0"

// encapLXCLab is a microLab whose service is encapsulated in an lxc
// container.
type encapLXCLab struct {
	*microLab
	lxcpath string
}

func newEncapLXCLab(t *testing.T) *encapLXCLab {
	requireLXC(t)
	l := &encapLXCLab{microLab: newMicroLab(t), lxcpath: t.TempDir()}
	l.writeConfig("enc.hcl", fmt.Sprintf(encapLXCService, l.lxcpath, l.www, microAddr))
	t.Cleanup(func() {
		l.run("om", "enc", "stop", "--local")
		l.lxc("lxc-stop", "-k")
		l.lxc("lxc-destroy", "-f")
	})
	return l
}

// lxc runs an lxc tool as the node does, in its network namespace: lxc
// reaches a running container through an abstract unix socket, which
// belongs to the network namespace lxc-start ran in.
func (l *encapLXCLab) lxc(tool string, args ...string) (string, error) {
	return l.ns.Exec(append([]string{tool, "-n", encapLXCName, "-P", l.lxcpath}, args...)...)
}

// exec runs argv inside the container, with none of the test's
// environment.
func (l *encapLXCLab) exec(argv ...string) string {
	l.t.Helper()
	out, err := l.lxc("lxc-attach", append([]string{"--clear-env", "--"}, argv...)...)
	if err != nil {
		l.t.Fatal(err)
	}
	l.t.Logf("inside: %s\n%s", strings.Join(argv, " "), out)
	return out
}

// info is one field of lxc-info: -s the state (RUNNING, STOPPED), -p
// the host pid of the container's init.
func (l *encapLXCLab) info(field string) string {
	l.t.Helper()
	out, err := l.lxc("lxc-info", field, "-H")
	if err != nil {
		l.t.Fatal(err)
	}
	return strings.TrimSpace(out)
}

// timed runs a command that has to succeed, logging how long it took.
func (l *encapLXCLab) timed(what string, bin string, args ...string) string {
	l.t.Helper()
	begin := time.Now()
	out := l.must(bin, args...)
	l.t.Logf("TIMING %s: %v", what, time.Since(begin).Round(time.Millisecond))
	return out
}

// start applies the service and checks the client gets the page.
func (l *encapLXCLab) start() {
	l.t.Helper()
	l.timed("omapply start (provision, start, agent install, level inside)", "omapply", "-auto-approve", l.config)
	if body, err := l.getSoon(); err != nil || body != l.page {
		l.t.Fatalf("the client got %q (%v), want the page", body, err)
	}
}

// The whole service starts in one apply, the node's level then the level
// inside through the agent the node installed; the status folds that
// level under the container line with the E flag; inside, om shows the
// container's view; stop takes the levels down in reverse.
func TestEncapLXCStartChainsTheLevels(t *testing.T) {
	l := newEncapLXCLab(t)
	planned := l.must("omplan", l.config)
	assertOrder(t, planned, "provision   enc.container#0", "start       enc.container#0", "start       enc.ip#0", "start       enc[vm1]")
	for _, want := range []string{"inside vm1 (container#0), by the agent there:", "known after apply", "# enc[vm1].ip#1 will be started", "# enc[vm1].app#web will be started"} {
		if !strings.Contains(planned, want) {
			t.Errorf("the plan lacks %q:\n%s", want, planned)
		}
	}
	l.start()
	checkFoldedTree(t, l.must("om", "enc", "status"))
	if out := l.must("omplan", "-detailed-exitcode", l.config); !strings.Contains(out, "No changes") {
		t.Errorf("a second plan is not empty:\n%s", out)
	}
	checkInsideView(t, l.exec("/usr/local/bin/om", "status"))
	if addrs := l.exec("ip", "-o", "addr", "show", "eth0"); !strings.Contains(addrs, microAddr+"/24") {
		t.Errorf("the service address is not on eth0 inside:\n%s", addrs)
	}
	if host := strings.TrimSpace(l.exec("hostname")); host != "vm1" {
		t.Errorf("the container's host name is %q, want vm1", host)
	}

	out := l.timed("om enc stop", "om", "enc", "stop", "--local")
	if i, j := strings.Index(out, "om agent converge enc --node vm1 --target down"), strings.Index(out, "lxc-stop"); i < 0 || j < 0 || i > j {
		t.Errorf("stop did not stop the level inside before the container:\n%s", out)
	}
	if st := l.info("-s"); st != "STOPPED" {
		t.Errorf("the container is %s after stop, want STOPPED", st)
	}
	if links := l.ns.Run(t, "ip", "-o", "link"); strings.Count(links, "\n") != 2 {
		t.Errorf("the node holds other links than lo and prd0 after stop:\n%s", links)
	}
	if _, err := l.get(); err == nil {
		t.Error("the page still answers after stop")
	}
}

// checkFoldedTree checks the node's status: every resource up, the level
// inside folded under container#0 and flagged E.
func checkFoldedTree(t *testing.T, tree string) {
	t.Helper()
	checkFoldedTreeOf(t, tree, "ip#0")
}

// checkFoldedTreeOf checks the node's status tree of the encap lab's
// service: folded under container#0, the level inside vm1 up with the E
// flag, and the tree says where that level comes from.
func checkFoldedTreeOf(t *testing.T, tree string, others ...string) {
	t.Helper()
	statustree.CheckFolded(t, tree, "container#0", []string{"ip#1", "app#web"}, others...)
	if !strings.Contains(tree, "info: encap node vm1, up, by its agent") {
		t.Errorf("the tree does not say where the folded level comes from:\n%s", tree)
	}
}

// checkInsideView checks om status run inside the container: node vm1,
// the level inside up without the E flag, no container line.
func checkInsideView(t *testing.T, inside string) {
	t.Helper()
	if !strings.Contains(inside, "vm1") || strings.Contains(inside, "container#0") {
		t.Errorf("om status inside the container is not the container's view:\n%s", inside)
	}
	for _, rid := range []string{"ip#1", "app#web"} {
		if flags, st := statustree.FlagsAndStatus(t, inside, rid); st != "up" || flags[4] == 'E' {
			t.Errorf("inside, %s is %s with flags %q: want up, no E flag", rid, st, flags)
		}
	}
}

// --slave vm1 acts inside the container only: the web server stops and
// starts again, the container and the node's address stay up.
func TestEncapLXCSlaveSubsetStopStart(t *testing.T) {
	l := newEncapLXCLab(t)
	l.start()
	pid := l.info("-p")
	l.must("om", "enc", "stop", "--local", "--rid", "app#web", "--slave", "vm1")
	if _, err := l.get(); err == nil {
		t.Fatal("the page still answers after stop --rid app#web --slave vm1")
	}
	tree := l.must("om", "enc", "status", "-r")
	for rid, want := range map[string]string{"container#0": "up", "ip#0": "up", "ip#1": "up", "app#web": "down"} {
		if _, st := statustree.FlagsAndStatus(t, tree, rid); st != want {
			t.Errorf("%s is %s after a stop of app#web inside, want %s:\n%s", rid, st, want, tree)
		}
	}
	l.must("om", "enc", "start", "--local", "--rid", "app#web", "--slave", "vm1")
	if body, err := l.getSoon(); err != nil || body != l.page {
		t.Fatalf("after start --rid app#web --slave vm1 the client got %q (%v)", body, err)
	}
	if again := l.info("-p"); again != pid {
		t.Errorf("the container restarted during the subset actions: init %q, then %q", pid, again)
	}
	checkFoldedTree(t, l.must("om", "enc", "status", "-r"))
}

// An agent removed from the container is installed again by the next
// status; an lxc container keeps its rootfs across a stop, and with it
// the agent and the state it kept inside: the next start brings the level
// up again in the new container, from that state.
func TestEncapLXCReinstallAndRestart(t *testing.T) {
	l := newEncapLXCLab(t)
	l.start()
	l.timed("om enc status -r, agent there", "om", "enc", "status", "-r")
	l.exec("rm", "/usr/local/bin/om")
	checkFoldedTree(t, l.timed("om enc status -r, agent installed", "om", "enc", "status", "-r"))
	if sha := strings.TrimSpace(l.exec("/usr/local/bin/om", "agent", "version")); sha != selfSHA(t) {
		t.Errorf("the agent installed again is build %s, want the node's %s", sha, selfSHA(t))
	}

	l.timed("om enc stop", "om", "enc", "stop", "--local")
	l.timed("om enc start (the container and the agent exist)", "om", "enc", "start", "--local")
	if body, err := l.getSoon(); err != nil || body != l.page {
		t.Fatalf("after a restart the client got %q (%v), want the page", body, err)
	}
	checkFoldedTree(t, l.must("om", "enc", "status", "-r"))
	if out := l.must("omplan", "-detailed-exitcode", l.config); !strings.Contains(out, "No changes") {
		t.Errorf("a plan after the restart is not empty:\n%s", out)
	}
}

// selfSHA is the SHA-256 of the node's om, the build agents must be.
func selfSHA(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(binDir, "om"))
	if err != nil {
		t.Fatal(err)
	}
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}
