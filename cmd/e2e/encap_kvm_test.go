package e2e

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/omhcl/omhcl/testfixtures/netlab"
	"github.com/omhcl/omhcl/testfixtures/vmlab"
)

// Seed 002's encapsulated service (encapService) in a KVM guest, as in
// the lxc test: the node's own libvirtd (in its network namespace) runs
// vmlab's guest under TCG, host name vm1, on a bridge with the node's
// prd0; inside, the agent the node installs through the guest agent
// plumbs the service address on eth0 and runs the web server. %[1]s is
// the libvirt URI, %[2]s and %[3]s the guest's kernel and initrd, %[4]s
// its kernel command line, %[5]s the service address.
const encapKVMService = `
service "enc" {
  nodes      = ["demo1"]
  encapnodes = ["vm1"]
  on "@encapnodes" {
    nodes = ["vm1"]
  }

  container "0" {
    type          = "kvm"
    uri           = "%[1]s"
    kernel        = "%[2]s"
    initrd        = "%[3]s"
    cmdline       = "%[4]s"
    bridge        = "br0"
    accel         = "tcg"
    hostname      = "vm1"
    stop_timeout  = "20s"
  }

  ip "1" {
    ipname = "%[5]s/24"
    ipdev  = "eth0"
    tags   = ["encap"]
  }

  app "web" {
    type  = "simple"
    start = "/bin/busybox httpd -f -p 8080 -h /www"
    tags  = ["encap"]
  }
}
`

type encapKVMLab struct {
	*microLab
	libvirtd *vmlab.Libvirtd
}

func newEncapKVMLab(t *testing.T) *encapKVMLab {
	vmlab.RequireLibvirt(t)
	l := &encapKVMLab{microLab: newMicroLab(t)}
	// the guest's card and the link to the client on one bridge
	netlab.Bridge(t, l.ns, "br0", "prd0")
	page := filepath.Join(t.TempDir(), "index.html")
	if err := os.WriteFile(page, []byte(l.page), 0o644); err != nil {
		t.Fatal(err)
	}
	// the node's om is in the image, where the agent goes: a guest made
	// for a cluster carries it, and the node skips the copy (35 MB at
	// 2.5 MB/s through the guest agent under TCG, TestGuestLifecycle
	// copies a file that way)
	img := vmlab.Guest(t, vmlab.GuestOptions{Files: map[string]string{"/www/index.html": page, "/usr/local/bin/om": filepath.Join(binDir, "om")}})
	l.libvirtd = vmlab.NodeLibvirtd(t, "demo1", l.ns.Name, 1)
	l.writeConfig("enc.hcl", fmt.Sprintf(encapKVMService, l.libvirtd.URI, img.Kernel, img.Initrd, vmlab.Cmdline("vm1", "", ""), microAddr))
	t.Cleanup(func() { l.run("om", "enc", "stop", "--local") })
	return l
}

// The whole service starts in one apply, the guest then the level inside
// through the agent the node installed by the guest agent; the status
// folds that level under the container line with the E flag; inside, om
// shows the guest's view; stop takes the levels down in reverse, the
// guest shut down through its agent.
func TestEncapKVMStartChainsTheLevels(t *testing.T) {
	l := newEncapKVMLab(t)
	planned := l.must("omplan", l.config)
	assertOrder(t, planned, "start       enc.container#0", "start       enc[vm1]")
	for _, want := range []string{"inside vm1 (container#0), by the agent there:", "virsh -c", "define", "# enc[vm1].app#web will be started"} {
		if !strings.Contains(planned, want) {
			t.Errorf("the plan lacks %q:\n%s", want, planned)
		}
	}
	begin := time.Now()
	l.must("omapply", "-auto-approve", l.config)
	t.Logf("TIMING omapply (define, boot under TCG, the agent in the image, level inside): %v", time.Since(begin).Round(time.Millisecond))
	if body, err := l.getSoon(); err != nil || body != l.page {
		t.Logf("node: %s", l.ns.Run(t, "sh", "-c", "ip -o link; bridge link; ip -o addr"))
		t.Logf("guest: %s", l.guestExec(t, "sh", "-c", "ip -o link; ip -o addr; ps; netstat -ltn"))
		t.Fatalf("the client got %q (%v), want the page", body, err)
	}
	checkFoldedTreeOf(t, l.must("om", "enc", "status"))
	if out := l.must("omplan", "-detailed-exitcode", l.config); !strings.Contains(out, "No changes") {
		t.Errorf("a second plan is not empty:\n%s", out)
	}

	begin = time.Now()
	out := l.must("om", "enc", "stop", "--local")
	t.Logf("TIMING om enc stop: %v", time.Since(begin).Round(time.Millisecond))
	if i, j := strings.Index(out, "om agent converge enc --node vm1 --target down"), strings.Index(out, "virsh -c"); i < 0 || j < 0 || i > j {
		t.Errorf("stop did not stop the level inside before the guest:\n%s", out)
	}
	if strings.Contains(out, "destroy") && !strings.Contains(out, "shutdown") {
		t.Errorf("the guest was destroyed, not shut down:\n%s", out)
	}
	if _, err := l.get(); err == nil {
		t.Error("the page still answers after stop")
	}
}

// guestExec runs argv in the guest through its agent, as virsh does, for
// what a failure should show.
func (l *encapKVMLab) guestExec(t *testing.T, argv ...string) string {
	cmd := fmt.Sprintf(`{"execute":"guest-exec","arguments":{"path":%q,"arg":%s,"capture-output":true}}`, argv[0], jsonList(argv[1:]))
	out, err := exec.Command("virsh", "-c", l.libvirtd.URI, "qemu-agent-command", "enc.0", cmd).CombinedOutput()
	if err != nil {
		return fmt.Sprintf("%v: %s", err, out)
	}
	var started struct{ Return struct{ PID int } }
	json.Unmarshal(out, &started)
	time.Sleep(500 * time.Millisecond)
	status := fmt.Sprintf(`{"execute":"guest-exec-status","arguments":{"pid":%d}}`, started.Return.PID)
	out, err = exec.Command("virsh", "-c", l.libvirtd.URI, "qemu-agent-command", "enc.0", status).CombinedOutput()
	var st struct {
		Return struct {
			OutData string `json:"out-data"`
		}
	}
	json.Unmarshal(out, &st)
	b, _ := base64.StdEncoding.DecodeString(st.Return.OutData)
	return string(b)
}

func jsonList(s []string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
