package e2e

import (
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/omhcl/omhcl/testfixtures/disklab"
	"github.com/omhcl/omhcl/testfixtures/netlab"
	"github.com/omhcl/omhcl/testfixtures/statustree"
)

// gettingStarted is the seed's getting-started service on one node, with
// a loop disk standing in for the logical volume: this kernel has no
// device-mapper to activate LVs (the LV driver is tested by its commands).
const gettingStarted = `
service "svc1" {
  nodes = ["demo1", "demo2"]
  app   = "MyApp"

  ip "0" {
    ipname = "198.18.1.10/24"
    ipdev  = "%[1]s"
  }
  disk "vg" {
    type = "vg"
    name = "%[2]s"
  }
  disk "data" {
    type = "loop"
    file = "%[3]s"
  }
  fs "app" {
    type = "ext4"
    dev  = disk.data.exposed_devs[0]
    mnt  = "%[4]s/${service.name}/app"
  }
%[5]s}
`

const webApp = `
  app "web" {
    start = "%[1]s/weblauncher start ${fs.app.mnt} ${ip.0.ipaddr}:8080"
    stop  = "%[1]s/weblauncher stop ${fs.app.mnt}"
    check = "%[1]s/weblauncher status ${fs.app.mnt}"
    info  = "%[1]s/weblauncher info"
  }
`

// TestGettingStarted replays the seed's getting-started flow on one node:
// create, status with P flags, set provisioned, start, add the app and
// start it alone with --rid, stop everything, and the ip conflict abort.
func TestGettingStarted(t *testing.T) {
	n := newNode(t, "demo1")
	peer := netlab.NewNS(t, "e2epeer")
	netlab.Veth(t, n.ns, "prd0", peer, "prd1")
	netlab.AddAddr(t, peer, "prd1", "198.18.1.2/24")
	vg, _ := disklab.LoopVG(t, "vgsvc")
	file := disklab.LoopFile(t, "64m")
	disklab.Run(t, "mkfs.ext4", "-q", "-F", file) // the administrator made it
	mnt := t.TempDir()
	apps := t.TempDir()
	for _, f := range []string{filepath.Join(binDir, "demoweb"), "../../testfixtures/demoweb/weblauncher"} {
		disklab.Run(t, "cp", f, apps)
	}
	config := func(app string) string { return fmt.Sprintf(gettingStarted, "prd0", vg, file, mnt, app) }
	t.Cleanup(func() { n.run("om", "svc1", "stop") })

	t.Log("step 1: create the service, then describe it")
	n.must("om", "svc1", "create", "--nodes", "demo1,demo2")
	if out := n.must("om", "ls"); strings.TrimSpace(out) != "svc1" {
		t.Fatalf("om ls = %q, want svc1", out)
	}
	n.writeConfig("svc1.hcl", config(""))

	t.Log("step 2: status shows every resource not provisioned, ip#0 included")
	tree := n.must("om", "svc1", "print", "status")
	for _, rid := range []string{"ip#0", "disk#vg", "disk#data", "fs#app"} {
		if flags, st := statustree.FlagsAndStatus(t, tree, rid); flags != ".....P.." || st != "down" {
			t.Errorf("%s: flags %q status %q, want .....P.. down", rid, flags, st)
		}
	}

	t.Log("step 3: set provisioned clears the P flags")
	n.must("om", "svc1", "set", "provisioned")
	tree = n.must("om", "svc1", "print", "status")
	for _, rid := range []string{"ip#0", "fs#app"} {
		if flags, _ := statustree.FlagsAndStatus(t, tree, rid); flags != "........" {
			t.Errorf("%s flags after set provisioned: %q", rid, flags)
		}
	}

	t.Log("step 4: start the service")
	out := n.must("om", "svc1", "start")
	for _, want := range []string{"@ n:demo1 o:svc1 r:ip#0 sc:n", "ip addr add 198.18.1.10/24 dev prd0", "vgchange", "losetup", "mount -t ext4"} {
		if !strings.Contains(out, want) {
			t.Errorf("start output lacks %q", want)
		}
	}
	assertAll(t, n, []string{"ip#0", "disk#vg", "disk#data", "fs#app"}, "up")
	if !hasAddr(t, n, "198.18.1.10") || !disklab.IsMounted(filepath.Join(mnt, "svc1/app")) || !strings.Contains(vgTags(t, vg), "demo1") {
		t.Fatal("start reported success but the address, mount or vg tag is missing")
	}
	if out := n.must("om", "svc1", "start"); !strings.Contains(out, "nothing to start") {
		t.Errorf("second start should do nothing, got:\n%s", out)
	}

	t.Log("step 5: add the app and start it alone")
	n.writeConfig("svc1.hcl", config(fmt.Sprintf(webApp, apps)))
	out = n.must("om", "svc1", "start", "--rid", "app#web")
	if strings.Count(out, "@ n:demo1") != 1 || !strings.Contains(out, "r:app#web") {
		t.Errorf("start --rid app#web touched more than the app:\n%s", out)
	}
	assertAll(t, n, []string{"app#web"}, "up")
	page, err := peer.Exec(filepath.Join(apps, "demoweb"), "get", "http://198.18.1.10:8080/")
	if err != nil || !strings.Contains(page, "Hello from demoweb") {
		t.Fatalf("the app does not answer on the service address: %v %s", err, page)
	}

	t.Log("step 6: stop everything, in reverse order")
	out = n.must("om", "svc1", "stop")
	assertOrder(t, out, "r:app#web", "r:fs#app", "r:disk#data", "r:disk#vg", "r:ip#0")
	assertAll(t, n, []string{"ip#0", "disk#vg", "disk#data", "fs#app", "app#web"}, "down")
	if hasAddr(t, n, "198.18.1.10") || disklab.IsMounted(filepath.Join(mnt, "svc1/app")) || strings.Contains(vgTags(t, vg), "demo1") {
		t.Fatal("stop reported success but something is still up")
	}

	t.Log("step 7: the address answers elsewhere: start aborts and changes nothing")
	netlab.AddAddr(t, peer, "prd1", "198.18.1.10/24")
	r := n.run("om", "svc1", "start")
	if r.code == 0 || !strings.Contains(r.err, "start aborted due to resource ip#0 conflict") {
		t.Fatalf("start with a conflicting address: %s", r)
	}
	assertAll(t, n, []string{"ip#0", "disk#vg", "disk#data", "fs#app", "app#web"}, "down")
	if loops := losetupJ(t, file); loops != "" {
		t.Fatalf("a loop device was attached despite the conflict: %s", loops)
	}
}

func assertAll(t *testing.T, n *node, rids []string, want string) {
	t.Helper()
	tree := n.must("om", "svc1", "print", "status")
	for _, rid := range rids {
		if _, st := statustree.FlagsAndStatus(t, tree, rid); st != want {
			t.Errorf("%s is %s, want %s", rid, st, want)
		}
	}
}

func assertOrder(t *testing.T, out string, markers ...string) {
	t.Helper()
	last := -1
	for _, m := range markers {
		i := strings.Index(out, m)
		if i < 0 || i < last {
			t.Fatalf("%q missing or out of order in:\n%s", m, out)
		}
		last = i
	}
}

func hasAddr(t *testing.T, n *node, ip string) bool {
	out, err := n.ns.Exec("ip", "-o", "addr")
	if err != nil {
		t.Fatal(err)
	}
	return strings.Contains(out, " "+ip+"/")
}

func vgTags(t *testing.T, vg string) string {
	out, err := exec.Command("vgs", "--noheadings", "-o", "tags", vg).CombinedOutput()
	if err != nil {
		t.Fatalf("vgs %s: %v %s", vg, err, out)
	}
	return strings.TrimSpace(string(out))
}

func losetupJ(t *testing.T, file string) string {
	out, err := exec.Command("losetup", "-j", file).Output()
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(out))
}
