package e2e

import (
	"fmt"
	"path/filepath"
	"testing"

	"github.com/omhcl/omhcl/testfixtures/disklab"
	"github.com/omhcl/omhcl/testfixtures/netlab"
)

// webLab is a node with a peer on its network, a backing file for a loop
// disk and the demo web app installed, for a service "web" of ip, loop
// disk, ext4 filesystem and app.
type webLab struct {
	*node
	peer *netlab.NS
	file string // loop backing file (absent until provisioned)
	mnt  string
	apps string // launcher and demoweb
}

const webService = `
service "web" {
  nodes = ["demo1", "demo2"]
  ip "0" {
    ipname = "%[1]s/24"
    ipdev  = "prd0"
  }
  disk "data" {
    type = "loop"
    file = "%[2]s"
    size = "32m"
  }
  fs "data" {
    dev = disk.data.exposed_devs[0]
    mnt = "%[3]s"
  }
  app "web" {
    start = "%[4]s"
    stop  = "%[5]s/weblauncher stop ${fs.data.mnt}"
    check = "%[5]s/weblauncher status ${fs.data.mnt}"
  }
}
`

func newWebLab(t *testing.T) *webLab {
	n := newNode(t, "demo1")
	l := &webLab{node: n, peer: netlab.NewNS(t, "e2epeer"), apps: t.TempDir()}
	netlab.Veth(t, n.ns, "prd0", l.peer, "prd1")
	netlab.AddAddr(t, l.peer, "prd1", "198.18.2.2/24")
	l.file = filepath.Join(t.TempDir(), "web.img")
	disklab.DetachAtCleanup(t, l.file)
	l.mnt = filepath.Join(t.TempDir(), "web")
	for _, f := range []string{filepath.Join(binDir, "demoweb"), "../../testfixtures/demoweb/weblauncher"} {
		disklab.Run(t, "cp", f, l.apps)
	}
	t.Cleanup(func() { n.run("om", "web", "stop") })
	l.configure("")
	return l
}

// configure writes the service; start overrides the app's start command.
func (l *webLab) configure(start string) {
	if start == "" {
		start = l.apps + "/weblauncher start ${fs.data.mnt} ${ip.0.ipaddr}:8080"
	}
	l.writeConfig("web.hcl", fmt.Sprintf(webService, "198.18.2.10", l.file, l.mnt, start, l.apps))
}
