package e2e

import (
	"fmt"
	"os/exec"
	"strings"
	"testing"
)

// The micro-container service on lxc: one system container whose init is
// busybox httpd (lxc.init.cmd), the page bind-mounted in (lxc.mount.entry),
// both through the driver's config map; ip.netns plumbs the address into
// its namespace. httpd as pid 1 has no handler for the halt signal, so
// lxc-stop would wait stop_timeout then kill: the halt signal is SIGKILL
// (a static page has nothing to flush). %[1]s is the lxcpath, %[2]s the
// page's directory.
const microLXCService = `
service "micro" {
  nodes = ["demo1"]

  container "web" {
    type         = "lxc"
    lxcpath      = "%[1]s"
    config = {
      "lxc.init.cmd"    = "/bin/httpd -f -p 8080 -h /www"
      "lxc.mount.entry" = "%[2]s www none bind,ro,create=dir 0 0"
      "lxc.signal.halt" = "SIGKILL"
    }
  }

  ip "0" {
    type   = "netns"
    ipname = "%[3]s/24"
    ipdev  = "prd0"
    netns  = container.web.netns_path
  }
}
`

// requireLXC skips t when the lxc tools or the busybox template's
// busybox are missing.
func requireLXC(t *testing.T) {
	t.Helper()
	for _, tool := range []string{"lxc-create", "lxc-start", "lxc-attach", "busybox"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not installed (Debian: lxc, busybox-static)", tool)
		}
	}
}

func TestMicroContainersLXCServeOnTheServiceAddress(t *testing.T) {
	requireLXC(t)
	lxcpath := t.TempDir()
	l := newMicroLab(t)
	l.writeConfig("micro.hcl", fmt.Sprintf(microLXCService, lxcpath, l.www, microAddr))
	l.startAndServe([]string{"1. provision   micro.container#web", "2. start       micro.container#web", "3. start       micro.ip#0"}, []string{"container#web", "ip#0"})
	l.stopLeavesNoLink()
	out, err := exec.Command("lxc-info", "-n", "micro.web", "-P", lxcpath, "-s", "-H").CombinedOutput()
	if st := strings.TrimSpace(string(out)); err != nil || st != "STOPPED" {
		t.Errorf("lxc-info after stop: %q (%v), want STOPPED", st, err)
	}
}
