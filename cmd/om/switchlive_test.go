package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/omhcl/omhcl/lang"
	"github.com/omhcl/omhcl/plan"
	"github.com/omhcl/omhcl/providers"
	"github.com/omhcl/omhcl/testfixtures/vmlab"
	"github.com/omhcl/omhcl/wire"
)

// liveService is a service whose guest migrates live, with an app on the
// node beside it and a level inside (seed 002): the guest's address
// (198.18.78.10, set by its kernel command line) and the web server the
// agent inside runs move with the guest; the app on the node stops on
// one node and starts on the other as in any switch.
const liveService = `service "lm" {
  nodes       = ["demo1", "demo2"]
  encapnodes  = ["vm1"]
  orchestrate = "ha"
  on "@encapnodes" {
    nodes = ["vm1"]
  }
  container "g" {
    type          = "kvm"
    kernel        = %[1]q
    initrd        = %[2]q
    cmdline       = %[3]q
    bridge        = "br0"
    accel         = "tcg"
    hostname      = "vm1"
    live_migrate  = true
    start_timeout = "60s"
    on "demo1" { uri = %[4]q }
    on "demo2" { uri = %[5]q }
  }
  app "a" {
    start = "touch %[6]s/${node.name}.up"
    stop  = "rm -f %[6]s/${node.name}.up"
    check = "test -f %[6]s/${node.name}.up"
  }
  app "web" {
    type  = "simple"
    start = "/bin/busybox httpd -f -p 8080 -h /www"
    tags  = ["encap"]
  }
}
`

// TestSwitchLive: om lm switch --to demo2 --live moves the running guest
// between two nodes' libvirtds through the daemons' data channel: its
// uptime goes on, its address answers at once, the app moves; a switch
// back that the destination refuses (a domain of the guest's name there
// that is not the resource's) leaves it running where it was, the service
// up there.
func TestSwitchLive(t *testing.T) {
	vmlab.RequireLibvirt(t)
	ns, libvirtds := liveLab(t)
	page := filepath.Join(t.TempDir(), "index.html")
	os.WriteFile(page, []byte("served from inside the guest\n"), 0o644)
	// the node's om in the image, where the agent goes (as a guest made
	// for a cluster carries it)
	img := vmlab.Guest(t, vmlab.GuestOptions{Files: map[string]string{"/www/index.html": page, "/usr/local/bin/om": omBin}})
	n1, n2, member, secret := twoDaemons(t)
	n1.config, n2.config = t.TempDir(), t.TempDir() // no configuration of their own: the cluster's
	n2.must("daemon", "join", "--secret-file", writeSecret(t, secret, 0o600), "--node", member)
	waitAlive(t, n1, "demo2")
	apps := t.TempDir()
	src := fmt.Sprintf(liveService, img.Kernel, img.Initrd, vmlab.Cmdline("vm1", "198.18.78.10/24", ""), libvirtds[0].URI, libvirtds[1].URI, apps)
	ctx := context.Background()
	c, err := wire.Connect(ctx, n1.state)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.PushConfig(ctx, map[string]string{"lm": src}); err != nil {
		t.Fatal(err)
	}
	waitRunning(t, c, "demo1", 90*time.Second)
	for end := time.Now().Add(60 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		if _, err := os.Stat(filepath.Join(apps, "demo1.up")); err == nil {
			break // the start is done: the guest's agent answered
		}
		if time.Now().After(end) {
			t.Fatal("the app did not start on demo1")
		}
	}
	cfg, diags := lang.LoadFiles(map[string][]byte{"lm.hcl": []byte(src)})
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	answers := func() bool {
		return exec.Command("ip", "netns", "exec", ns[0], "busybox", "ping", "-c1", "-W1", "198.18.78.10").Run() == nil
	}
	for end := time.Now().Add(20 * time.Second); !answers(); {
		if time.Now().After(end) {
			t.Fatal("the guest's address does not answer on demo1")
		}
	}
	before := guestUptime(t, cfg, "demo1")
	web := func() string {
		out, _ := exec.Command("ip", "netns", "exec", ns[0], "curl", "-s", "-m", "2", "http://198.18.78.10:8080/").Output()
		return string(out)
	}
	for end := time.Now().Add(60 * time.Second); web() == ""; time.Sleep(200 * time.Millisecond) {
		if time.Now().After(end) {
			out, err := exec.Command("ip", "netns", "exec", ns[0], "curl", "-s", "-m", "2", "http://198.18.78.10:8080/").CombinedOutput()
			t.Fatalf("the web server inside the guest does not answer on demo1: %v %s\n%s", err, out, guestExec(t, cfg, "demo1", "sh", "-c", "ps; netstat -ltn; ls -l /www"))
		}
	}
	httpd := guestExec(t, cfg, "demo1", "sh", "-c", httpdStat)

	// the switch planned, held by a freeze: omplan --cluster shows it
	n1.must("lm", "freeze")
	n1.must("lm", "switch", "--to", "demo2", "--live", "--wait", "0")
	cmd := exec.Command(omplanBin, "--cluster")
	cmd.Env = append(os.Environ(), "OMHCL_NODE=demo1", "OMHCL_STATE_DIR="+n1.state, "OMHCL_CONFIG="+n1.config, "NO_COLOR=1")
	out, err := cmd.CombinedOutput()
	t.Logf("omplan --cluster:\n%s", out)
	if err != nil || !strings.Contains(string(out), "migrate --live --p2p --tunnelled lm.g <demo2>") || !strings.Contains(string(out), "arrives running, migrated live from demo1") ||
		strings.Count(string(out), "the level inside vm1 moves with it, running") != 2 || strings.Contains(string(out), "lm[vm1]") {
		t.Errorf("omplan --cluster does not show the live migration (%v)", err)
	}
	t0 := time.Now()
	n1.must("lm", "thaw")
	r := n1.om("lm", "switch", "--to", "demo2", "--live", "--wait", "90s")
	took := time.Since(t0)
	if r.code != 0 || !strings.Contains(r.out, "lm: switch done: running on demo2") {
		t.Fatalf("switch --live: %s", r)
	}
	if !answers() {
		t.Error("the guest's address does not answer once the switch is done")
	}
	after := guestUptime(t, cfg, "demo2")
	if got := web(); got != "served from inside the guest\n" {
		t.Errorf("the web server inside the guest, after the switch: %q", got)
	}
	if again := guestExec(t, cfg, "demo2", "sh", "-c", httpdStat); again != httpd || httpd == "" {
		t.Errorf("the web server inside the guest was restarted: pid and start time %q before, %q after", httpd, again)
	}
	t.Logf("the level inside: its web server's pid and start time %q on demo1 and on demo2", strings.TrimSpace(httpd))
	// switch done says the guest runs there; the rest of the service
	// starts once demo1's news says it runs nothing, in a convergence
	// that asks the agent inside (seconds in a TCG guest, more under load)
	for end := time.Now().Add(60 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		if _, err := os.Stat(filepath.Join(apps, "demo2.up")); err == nil {
			break
		}
		if time.Now().After(end) {
			t.Fatal("the app did not start on demo2")
		}
	}
	if st := n2.must("lm", "print", "status"); !strings.Contains(st, "encap node vm1, up") {
		t.Errorf("demo2's status does not fold the level inside:\n%s", st)
	}
	t.Logf("om lm thaw, the switch planned: running on demo2 after %s; guest uptime %.2f s before, %.2f s after", took.Round(10*time.Millisecond), before, after)
	if after < before {
		t.Errorf("the guest rebooted: uptime %.2f before, %.2f after", before, after)
	}
	if _, err := os.Stat(filepath.Join(apps, "demo1.up")); err == nil {
		t.Error("the app still runs on demo1")
	}

	// demo1 gets a domain of the guest's name that is not the resource's
	virsh := func(uri string, args ...string) string {
		out, err := exec.Command("virsh", append([]string{"-c", uri}, args...)...).CombinedOutput()
		if err != nil {
			t.Fatalf("virsh %v: %v: %s", args, err, out)
		}
		return string(out)
	}
	virsh(libvirtds[0].URI, "undefine", "lm.g")
	squat := filepath.Join(t.TempDir(), "squat.xml")
	os.WriteFile(squat, []byte(`<domain type='qemu'><name>lm.g</name><memory unit='MiB'>64</memory><os><type arch='x86_64' machine='pc'>hvm</type></os></domain>`), 0o644)
	virsh(libvirtds[0].URI, "define", squat)
	r = n2.om("lm", "switch", "--to", "demo1", "--live", "--wait", "30s")
	if r.code == 0 || !strings.Contains(r.err, "lm: migrate failed: ") || !strings.Contains(r.err, "demo1 refused it") {
		t.Fatalf("switch --live to a node holding another domain of the name: %s", r)
	}
	c2, err := wire.Connect(ctx, n2.state)
	if err != nil {
		t.Fatal(err)
	}
	v, err := c2.Mon(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range v.Services {
		if s.Name == "lm" {
			t.Logf("after the refused switch, as demo2 sees it: running on %v, preferred %s", s.Running, s.Preferred)
			if len(s.Running) != 1 || s.Running[0] != "demo2" || s.Preferred != "demo2" {
				t.Errorf("running on %v, preferred %s, after a refused migration: want demo2, claimed back", s.Running, s.Preferred)
			}
		}
	}
	if again := guestUptime(t, cfg, "demo2"); again < after {
		t.Errorf("the guest rebooted: uptime %.2f, then %.2f", after, again)
	}
	if !answers() {
		t.Error("the guest's address does not answer after the refused migration")
	}
	if _, err := os.Stat(filepath.Join(apps, "demo2.up")); err != nil {
		t.Error("the app is not up on demo2 after the refused migration")
	}
}

// liveLab is two network namespaces with a bridge br0 each, joined by a
// veth, and a libvirtd of each node in its own (demo1's holds
// 198.18.78.1, to reach the guest from).
func liveLab(t *testing.T) ([2]string, [2]*vmlab.Libvirtd) {
	t.Helper()
	var ns [2]string
	var l [2]*vmlab.Libvirtd
	id := os.Getpid() % 100000
	run := func(args ...string) {
		t.Helper()
		if out, err := exec.Command(args[0], args[1:]...).CombinedOutput(); err != nil {
			t.Fatalf("%s: %v: %s", strings.Join(args, " "), err, out)
		}
	}
	for i := range ns {
		ns[i] = fmt.Sprintf("omsl%d-%d", i+1, id)
		name := ns[i]
		run("ip", "netns", "add", name)
		t.Cleanup(func() { exec.Command("ip", "netns", "del", name).Run() })
		run("ip", "-n", name, "link", "set", "lo", "up")
		run("ip", "-n", name, "link", "add", "br0", "type", "bridge")
		run("ip", "-n", name, "link", "set", "br0", "up")
	}
	va, vb := fmt.Sprintf("omsla%d", id), fmt.Sprintf("omslb%d", id)
	run("ip", "link", "add", va, "netns", ns[0], "type", "veth", "peer", "name", vb, "netns", ns[1])
	for i, v := range []string{va, vb} {
		run("ip", "-n", ns[i], "link", "set", v, "master", "br0", "up")
	}
	run("ip", "-n", ns[0], "addr", "add", "198.18.78.1/24", "dev", "br0")
	for i := range ns {
		l[i] = vmlab.NodeLibvirtd(t, fmt.Sprintf("demo%d", i+1), ns[i], 80+i)
	}
	return ns, l
}

// waitRunning waits until the service runs on node only, its start done
// there (the node claimed it: a switch asked before would be undone by
// that claim).
func waitRunning(t *testing.T, c *wire.Client, node string, within time.Duration) {
	t.Helper()
	for end := time.Now().Add(within); ; time.Sleep(200 * time.Millisecond) {
		v, err := c.Mon(context.Background())
		if err == nil {
			for _, s := range v.Services {
				if s.Name == "lm" && len(s.Running) == 1 && s.Running[0] == node && s.Preferred == node {
					return
				}
			}
		}
		if time.Now().After(end) {
			t.Fatalf("lm does not run on %s within %s (%v)", node, within, err)
		}
	}
}

// httpdStat prints the pid and start time of the guest's web server.
const httpdStat = `for p in /proc/[0-9]*; do tr '\0' ' ' < $p/cmdline 2>/dev/null | grep -q '^/bin/busybox httpd' && cut -d' ' -f1,22 $p/stat; done; true`

// guestExec runs argv in the guest through its agent, as node drives it,
// and returns its output.
func guestExec(t *testing.T, cfg *lang.Config, node string, argv ...string) string {
	t.Helper()
	inst, diags := cfg.Service("lm").Evaluate(node, nil)
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	drv, err := plan.NewDriver(inst.Resource("container#g"))
	if err != nil {
		t.Fatal(err)
	}
	out, _, code, err := drv.(providers.Executor).Exec(context.Background(), argv)
	if err != nil || code != 0 {
		t.Fatalf("%v in the guest on %s: %q exit %d: %v", argv, node, out, code, err)
	}
	return string(out)
}

// guestUptime reads /proc/uptime in the guest, as node drives it.
func guestUptime(t *testing.T, cfg *lang.Config, node string) float64 {
	t.Helper()
	out := guestExec(t, cfg, node, "cat", "/proc/uptime")
	f, err := strconv.ParseFloat(strings.Fields(out + " x")[0], 64)
	if err != nil {
		t.Fatalf("uptime in the guest on %s: %q", node, out)
	}
	return f
}
