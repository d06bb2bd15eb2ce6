package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/omhcl/omhcl/testfixtures/containerlab"
	"github.com/omhcl/omhcl/testfixtures/disklab"
	"github.com/omhcl/omhcl/testfixtures/netlab"
	"github.com/omhcl/omhcl/testfixtures/statustree"
)

// Seed 002's encapsulated service: the node mounts the data filesystem
// (fs#1, on a loop disk), runs the container vm1 with it mounted in and
// plumbs its eth0 (ip#0); inside, the agent plumbs the service address on
// eth0 and runs the web server (both tagged encap). %[1]s is the image,
// %[2]s the container's name (unique on the engine), %[3]s the mount
// point, %[4]s extra container volumes, %[5]s the service address, %[6]s
// the loop disk's file.
const encapService = `
service "enc" {
  nodes      = ["demo1"]
  encapnodes = ["vm1"]
  on "@encapnodes" {
    nodes = ["vm1"]
  }

  container "0" {
    type         = "docker"
    name         = "%[2]s"
    hostname     = "vm1"
    image        = "%[1]s"
    command      = ["sleep", "86400"]
    cap_add      = ["NET_ADMIN"]
    volumes      = ["${fs.1.mnt}:/www:ro"%[4]s]
    rm           = true
    stop_timeout = "1s"
  }

  disk "1" {
    type = "loop"
    file = "%[6]s"
  }

  fs "1" {
    type = "ext4"
    dev  = disk.1.exposed_devs[0]
    mnt  = "%[3]s"
  }

  ip "0" {
    type   = "netns"
    ipname = "198.18.3.11/24"
    ipdev  = "prd0"
    netns  = container.0.netns_path
  }

  ip "1" {
    ipname = "%[5]s/24"
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

// encapLab is a microLab whose service is encapsulated in a docker
// container.
type encapLab struct {
	*microLab
	container string
}

// newEncapLab writes the service; volumes adds container mounts.
func newEncapLab(t *testing.T, volumes ...string) *encapLab {
	image := containerlab.Image(t, "/var/run/docker.sock")
	l := &encapLab{microLab: newMicroLab(t), container: fmt.Sprintf("e2e-vm1-%d", time.Now().UnixNano()%1e9)}
	extra := ""
	for _, v := range volumes {
		extra += fmt.Sprintf(", %q", v)
	}
	l.writeConfig("enc.hcl", fmt.Sprintf(encapService, image, l.container, l.www, extra, microAddr, disklab.LoopFile(t, "32m")))
	t.Cleanup(func() {
		l.run("om", "enc", "stop", "--local")
		exec.Command("docker", "rm", "-f", l.container).Run()
	})
	return l
}

// exec runs argv inside the container.
func (l *encapLab) exec(argv ...string) string {
	l.t.Helper()
	out, err := exec.Command("docker", append([]string{"exec", l.container}, argv...)...).CombinedOutput()
	if err != nil {
		l.t.Fatalf("docker exec %s %s: %v\n%s", l.container, strings.Join(argv, " "), err, out)
	}
	return string(out)
}

// start applies the service, puts the page on its filesystem and checks
// the client gets it.
func (l *encapLab) start() {
	l.t.Helper()
	l.must("omapply", "-auto-approve", l.config)
	if err := os.WriteFile(filepath.Join(l.www, "index.html"), []byte(l.page), 0o644); err != nil {
		l.t.Fatal(err)
	}
	if body, err := l.getSoon(); err != nil || body != l.page {
		l.t.Fatalf("the client got %q (%v), want the page", body, err)
	}
}

// The whole service starts in one apply: the node's resources, then the
// level inside the container through the agent the node installed there;
// the status folds that level under the container line, with the E flag;
// a second plan is empty; stop takes the levels down in reverse.
func TestEncapStartChainsTheLevels(t *testing.T) {
	l := newEncapLab(t)
	planned := l.must("omplan", l.config)
	assertOrder(t, planned, ". start       enc.disk#1", ". start       enc.fs#1", ". start       enc.container#0", ". start       enc.ip#0", ". start       enc[vm1]")
	for _, want := range []string{"inside vm1 (container#0), by the agent there:", "known after apply", "# enc[vm1].ip#1 will be started", "# enc[vm1].app#web will be started"} {
		if !strings.Contains(planned, want) {
			t.Errorf("the plan lacks %q:\n%s", want, planned)
		}
	}
	l.start()

	tree := l.must("om", "enc", "status")
	for _, rid := range []string{"disk#1", "fs#1", "container#0", "ip#0", "ip#1", "app#web"} {
		flags, st := statustree.FlagsAndStatus(t, tree, rid)
		if st != "up" {
			t.Errorf("%s is %s, want up:\n%s", rid, st, tree)
		}
		if encap := rid == "ip#1" || rid == "app#web"; (flags[4] == 'E') != encap {
			t.Errorf("%s flags %q: E flag wrong (encap %v):\n%s", rid, flags, encap, tree)
		}
	}
	if !strings.Contains(tree, "info: encap node vm1, up, by its agent") {
		t.Errorf("the tree does not say where the folded level comes from:\n%s", tree)
	}
	if line := statustree.MustLine(t, tree, "ip#1"); !strings.HasPrefix(strings.TrimLeft(line, " |`-"), "ip#1") || strings.Index(line, "ip#1") <= strings.Index(statustree.MustLine(t, tree, "container#0"), "container#0") {
		t.Errorf("ip#1 is not folded under container#0:\n%s", tree)
	}
	if out := l.must("omplan", "-detailed-exitcode", l.config); !strings.Contains(out, "No changes") {
		t.Errorf("a second plan is not empty:\n%s", out)
	}

	// The container's own view: the agent is on its PATH, it is node vm1.
	inside := l.exec("/usr/local/bin/om", "status")
	if !strings.Contains(inside, "vm1") || strings.Contains(inside, "container#0") {
		t.Errorf("om status inside the container is not the container's view:\n%s", inside)
	}
	if flags, st := statustree.FlagsAndStatus(t, inside, "ip#1"); st != "up" || flags[4] == 'E' {
		t.Errorf("inside, ip#1 is %s with flags %q: want up, no E flag (seed 002's second tree)", st, flags)
	}

	out := l.must("om", "enc", "stop", "--local")
	if i, j := strings.Index(out, "om agent converge enc --node vm1 --target down"), strings.Index(out, "docker stop"); i < 0 || j < 0 || i > j {
		t.Errorf("stop did not stop the level inside before the container:\n%s", out)
	}
	if err := exec.Command("docker", "inspect", l.container).Run(); err == nil {
		t.Errorf("container %s left after stop", l.container)
	}
	if _, err := l.get(); err == nil {
		t.Error("the page still answers after stop")
	}
}

// Subset actions need a level (seed 002): --slave acts inside one
// container only, --master on the node's own resources.
func TestEncapSubsetActionsNeedALevel(t *testing.T) {
	l := newEncapLab(t)
	l.start()
	r := l.run("om", "enc", "stop", "--local", "--rid", "app#web")
	if r.code == 0 || !strings.Contains(r.err, "--master") || !strings.Contains(r.err, "--slave") || !strings.Contains(r.err, "app#web") {
		t.Fatalf("a subset stop of an encap resource without a level: %s", r)
	}
	if _, err := l.get(); err != nil {
		t.Fatalf("the refused stop stopped the web server: %v", err)
	}
	l.must("om", "enc", "stop", "--local", "--rid", "app#web", "--slave", "vm1")
	if _, err := l.get(); err == nil {
		t.Fatal("the page still answers after stop --rid app#web --slave vm1")
	}
	tree := l.must("om", "enc", "status", "-r")
	if _, st := statustree.FlagsAndStatus(t, tree, "container#0"); st != "up" {
		t.Errorf("the container is %s after a stop inside it, want up:\n%s", st, tree)
	}
	if _, st := statustree.FlagsAndStatus(t, tree, "app#web"); st != "down" {
		t.Errorf("app#web is %s, want down:\n%s", st, tree)
	}
	l.must("om", "enc", "start", "--local", "--slaves")
	if body, err := l.getSoon(); err != nil || body != l.page {
		t.Fatalf("after start --slaves the client got %q (%v)", body, err)
	}
	// --master: the node's resources; the level inside plans nothing of
	// its own, but the container that stops has its agent stop it first.
	out := l.must("omplan", "-desired", "down", "--master", l.config)
	if strings.Contains(out, "# enc[vm1].") || !strings.Contains(out, "enc.container#0") {
		t.Errorf("a plan at --master plans the resources inside the container:\n%s", out)
	}
	assertOrder(t, out, "1. stop        enc[vm1] (the agent in container#0 converges it to down)", ". stop        enc.container#0")
	l.must("om", "enc", "stop", "--local", "--rid", "app#web", "--slave", "vm1")
	if out := l.must("omplan", "--master", l.config); !strings.Contains(out, "No changes") {
		t.Errorf("a plan at --master starts what is down inside:\n%s", out)
	}
}

// A start failing inside the container rolls back the node's level too:
// the address is taken on the network, the agent's probe refuses it, and
// nothing of the service is left running.
func TestEncapFailedStartInsideRollsBack(t *testing.T) {
	l := newEncapLab(t)
	netlab.AddAddr(t, l.peer, "prd1", microAddr+"/24")
	r := l.run("omapply", "-auto-approve", l.config)
	if r.code == 0 || !strings.Contains(r.err, "inside vm1") || !strings.Contains(r.out+r.err, "in use") {
		t.Fatalf("omapply with the address in use inside: %s", r)
	}
	if !strings.Contains(r.err, "rolled back: stopped") || !strings.Contains(r.err, "container#0") {
		t.Errorf("the failure does not say what was rolled back: %s", r)
	}
	if err := exec.Command("docker", "inspect", l.container).Run(); err == nil {
		t.Errorf("container %s left after the rolled back start", l.container)
	}
}

// An agent that is missing and cannot be installed (a read-only
// /usr/local/bin) is an error naming the container and what to do; the
// status is not up.
func TestEncapMissingAgentIsAnError(t *testing.T) {
	ro := t.TempDir()
	os.Chmod(ro, 0o755)
	l := newEncapLab(t, ro+":/usr/local/bin:ro")
	r := l.run("omapply", "-auto-approve", l.config)
	if r.code == 0 || !strings.Contains(r.err, "container#0 (vm1)") || !strings.Contains(r.err, "install om") {
		t.Fatalf("omapply with no agent and no way to install it: %s", r)
	}
	// Only the node's level: the status then says why the level inside is
	// unknown, and the service is not up.
	l.must("om", "enc", "start", "--local", "--master")
	tree := l.must("om", "enc", "status")
	if !strings.Contains(tree, "error: encap node vm1") || !strings.Contains(tree, "install om") {
		t.Errorf("the status does not report the missing agent:\n%s", tree)
	}
	if first := strings.Fields(tree); len(first) < 2 || first[1] == "up" {
		t.Errorf("the service reports up with no agent inside:\n%s", tree)
	}
	if _, err := os.Stat(filepath.Join(ro, "om")); err == nil {
		t.Error("the agent was written into the read-only mount")
	}
}

// editInside edits the service's configuration inside the container as an
// operator would there (om enc edit config), the editor writing from.
func (l *encapLab) editInside(from, to string) string {
	l.t.Helper()
	cfg, err := os.ReadFile(filepath.Join(l.config, "enc.hcl"))
	if err != nil {
		l.t.Fatal(err)
	}
	next := filepath.Join(l.t.TempDir(), "next.hcl")
	if err := os.WriteFile(next, []byte(strings.Replace(string(cfg), from, to, 1)), 0o644); err != nil {
		l.t.Fatal(err)
	}
	if out, err := exec.Command("docker", "cp", next, l.container+":/tmp/next.hcl").CombinedOutput(); err != nil {
		l.t.Fatalf("docker cp: %v\n%s", err, out)
	}
	out, err := exec.Command("docker", "exec", "-e", "EDITOR=cat /tmp/next.hcl >", l.container, "/usr/local/bin/om", "enc", "edit", "config").CombinedOutput()
	if err != nil {
		l.t.Fatalf("om enc edit config inside: %v\n%s", err, out)
	}
	return string(out)
}

// A configuration edited inside the container is a newer generation: the
// node reports it and never pushes its older one over it; the level inside
// runs with it.
func TestEncapConfigEditedInsideWins(t *testing.T) {
	l := newEncapLab(t)
	l.start()
	if out := l.editInside("-p 8080", "-p 8081"); !strings.Contains(out, "generation 2") {
		t.Fatalf("the edit inside is not generation 2:\n%s", out)
	}
	tree := l.must("om", "enc", "status", "-r")
	if !strings.Contains(tree, "configuration generation 2 edited in vm1 is newer than the node's (1)") {
		t.Errorf("the node does not report the newer configuration inside:\n%s", tree)
	}
	// the node plans the level inside with the configuration it runs
	planned := l.must("omplan", l.config)
	if !strings.Contains(planned, "enc[vm1] (container#0): planned with the configuration edited in vm1 (generation 2)") ||
		!strings.Contains(planned, "# enc[vm1].app#web will be replaced") || !strings.Contains(planned, "-p 8081") {
		t.Errorf("the node does not plan the level inside with the configuration edited there:\n%s", planned)
	}
	l.must("omapply", "-auto-approve", l.config)
	kept := l.exec("cat", "/var/lib/omhcl/config/enc.json")
	if !strings.Contains(kept, `"generation": 2`) || !strings.Contains(kept, "-p 8081") {
		t.Fatalf("the node overwrote the configuration edited inside:\n%s", kept)
	}
	if ps := l.exec("ps"); !strings.Contains(ps, "httpd -f -p 8081") {
		t.Errorf("the level inside does not run with the configuration edited there:\n%s", ps)
	}
}

// The node's configuration and the container's, both edited from
// generation 1: the same generation with other texts is a conflict,
// reported and never resolved by overwriting either side.
func TestEncapConfigConflictIsReported(t *testing.T) {
	l := newEncapLab(t)
	l.start()
	l.editInside("-p 8080", "-p 8081")
	src, err := os.ReadFile(filepath.Join(l.config, "enc.hcl"))
	if err != nil {
		t.Fatal(err)
	}
	l.writeConfig("enc.hcl", strings.Replace(string(src), "-p 8080", "-p 8082", 1))
	tree := l.must("om", "enc", "status", "-r")
	if !strings.Contains(tree, "error: container#0 (vm1): configuration conflict: generation 2") {
		t.Errorf("the conflict is not reported:\n%s", tree)
	}
	if f := strings.Fields(tree); len(f) < 2 || f[1] == "up" {
		t.Errorf("the service reports up with a conflict:\n%s", tree)
	}
	r := l.run("om", "enc", "start", "--local", "--slaves")
	if r.code == 0 || !strings.Contains(r.err, "configuration conflict") {
		t.Errorf("an action inside went on with conflicting configurations: %s", r)
	}
	if kept := l.exec("cat", "/var/lib/omhcl/config/enc.json"); !strings.Contains(kept, "-p 8081") {
		t.Errorf("the configuration inside was overwritten:\n%s", kept)
	}
}

// A changed encap resource: the node plans its replace inside from the
// agent's report; a CI runner plans the same from the node's status
// snapshot, with no engine; the apply pushes the new configuration to
// the agent, which replaces it.
func TestEncapChangeInsidePlannedFromASnapshot(t *testing.T) {
	l := newEncapLab(t)
	l.start()
	src, err := os.ReadFile(filepath.Join(l.config, "enc.hcl"))
	if err != nil {
		t.Fatal(err)
	}
	l.writeConfig("enc.hcl", strings.Replace(string(src), "-p 8080", "-p 8083", 1))
	planned := l.must("omplan", l.config)
	if !strings.Contains(planned, "# enc[vm1].app#web will be replaced") || strings.Contains(planned, "known after apply") {
		t.Fatalf("the plan does not replace app#web inside, known:\n%s", planned)
	}
	l.planMatchesSnapshot()
	l.must("omapply", "-auto-approve", l.config)
	if ps := l.exec("ps"); !strings.Contains(ps, "httpd -f -p 8083") {
		t.Errorf("the agent did not replace the web server with the new configuration:\n%s", ps)
	}
	if out := l.must("omplan", "-detailed-exitcode", l.config); !strings.Contains(out, "No changes") {
		t.Errorf("a plan after the apply is not empty:\n%s", out)
	}
}

// An agent of another build that cannot be replaced (a read-only mount
// holds it) is an error naming the container and what to do, never a
// status that reports up.
func TestEncapMismatchedAgentIsAnError(t *testing.T) {
	ro := t.TempDir()
	os.Chmod(ro, 0o755)
	om, err := os.ReadFile(filepath.Join(binDir, "om"))
	if err != nil {
		t.Fatal(err)
	}
	// the same program, another build: its SHA-256 differs
	if err := os.WriteFile(filepath.Join(ro, "om"), append(om, []byte("another build")...), 0o755); err != nil {
		t.Fatal(err)
	}
	l := newEncapLab(t, ro+":/usr/local/bin:ro")
	r := l.run("omapply", "-auto-approve", l.config)
	if r.code == 0 || !strings.Contains(r.err, "container#0 (vm1)") || !strings.Contains(r.err, "is another build") && strings.Contains(r.err, "install om (the node's build") {
		t.Fatalf("omapply with an agent of another build that cannot be replaced: %s", r)
	}
	l.must("om", "enc", "start", "--local", "--master")
	tree := l.must("om", "enc", "status")
	if !strings.Contains(tree, "error: encap node vm1") {
		t.Errorf("the status does not report the agent:\n%s", tree)
	}
	if f := strings.Fields(tree); len(f) < 2 || f[1] == "up" {
		t.Errorf("the service reports up with a mismatched agent:\n%s", tree)
	}
}

// A broken agent inside (a copy cut short, a program that is no om agent
// and answers nothing) never passes for one that reported: the node
// installs its own and the status is right again.
func TestEncapBrokenAgentIsReplaced(t *testing.T) {
	l := newEncapLab(t)
	l.start()
	om, err := os.ReadFile(filepath.Join(binDir, "om"))
	if err != nil {
		t.Fatal(err)
	}
	for name, agent := range map[string][]byte{
		"cut short":    om[:len(om)/4],
		"not an agent": []byte("#!/bin/sh\nexit 0\n"),
	} {
		bad := filepath.Join(t.TempDir(), "om")
		if err := os.WriteFile(bad, agent, 0o755); err != nil {
			t.Fatal(err)
		}
		if out, err := exec.Command("docker", "cp", bad, l.container+":/usr/local/bin/om").CombinedOutput(); err != nil {
			t.Fatalf("docker cp: %v\n%s", err, out)
		}
		tree := l.must("om", "enc", "status", "-r")
		if _, st := statustree.FlagsAndStatus(t, tree, "app#web"); st != "up" || strings.Contains(tree, "error:") {
			t.Errorf("%s: app#web is %s after the node met the broken agent:\n%s", name, st, tree)
		}
		if sum := l.exec("/usr/local/bin/om", "agent", "version"); len(strings.TrimSpace(sum)) != 64 {
			t.Errorf("%s: the agent was not replaced: %q", name, sum)
		}
	}
}
