package clusterlab

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"github.com/omhcl/omhcl/encap"
	"github.com/omhcl/omhcl/testfixtures/vmlab"
)

// A lab node may run virtual machines, as a hypervisor does: a libvirtd
// of its own (vmlab.StartLibvirtd) in the node's network namespace, with
// its own virtlogd, host UUID and directories under the node's, and a
// bridge there, VMBridge, for its guests' network cards. The bridge is
// plugged into the lab's switch by a veth of its own (vmup0 inside, the
// node's VMPort on the switch): a guest on it is on the lab's network,
// 198.18.10.0/24, beside the nodes, and a node reaches it through the
// switch. The node's commands and daemon find the libvirtd through
// LIBVIRT_DEFAULT_URI.
//
// A node's death kills its guests: libvirtd, virtlogd and every guest's
// qemu live in the node's network namespace, where Kill kills everything.
// A cut cuts both of the node's ports: its guests are cut with it. A
// booting node's libvirtd finds its /run empty (the domains it had
// defined stay, shut off).
//
// The lab's guest (examples/lab-kvm) is vmlab's test guest with a boot
// hook that serves a web page with busybox httpd on port 8080 of its
// address (omhcl.ip on its kernel command line). Its kernel and
// initramfs are in ROOT/vm, one copy that every node boots: the file the
// nodes share, at the same path on each.

const (
	// VMBridge is the bridge of a node's guests, in the node's namespace.
	VMBridge = "kvmbr0"
	// vmUplink is the bridge's uplink, inside the node's namespace.
	vmUplink = "vmup0"
	// GuestDomain is the libvirt domain of examples/lab-kvm's guest:
	// service web, resource container#vm.
	GuestDomain = "web.vm"
	// GuestGreeting starts the lab guest's page.
	GuestGreeting = "Hello from the kvm guest "
	// GuestHook is the lab guest's boot hook, in the guest.
	GuestHook = vmlab.HookDir + "/50-web"
)

// guestHookScript writes the lab guest's page: its host name, no node
// name (the guest is the same on every node; the node running it is
// found by its qemu, see Rig.GuestNodes). With an address on its kernel
// command line (examples/lab-kvm) it serves the page itself; without
// (examples/lab-encap-kvm) the service's level inside the guest plumbs
// the address and runs the web server.
const guestHookScript = `#!/bin/sh
# The cluster lab's guest (testfixtures/clusterlab, examples/lab-kvm,
# examples/lab-encap-kvm): a web page in /www, served on port 8080 by
# busybox httpd, which detaches, when omhcl.ip set the guest's address.
mkdir -p /www
echo "` + GuestGreeting + `$OMHCL_HOSTNAME, serving /www on port 8080" >/www/index.html
[ -n "$OMHCL_IP" ] || exit 0
exec httpd -p 8080 -h /www
`

// LibvirtDir is where node n's libvirtd keeps its directories.
func (n *Node) LibvirtDir() string { return filepath.Join(filepath.Dir(n.StateDir), "libvirt") }

// LibvirtSocket is node n's libvirtd socket, as the host sees it.
func (n *Node) LibvirtSocket() string { return filepath.Join(n.LibvirtDir(), "run", "libvirt-sock") }

// LibvirtURI is the URI of node n's libvirtd, its LIBVIRT_DEFAULT_URI.
func (n *Node) LibvirtURI() string { return "qemu+unix:///system?socket=" + n.LibvirtSocket() }

// buildVMBridge makes node n's guest bridge and plugs it into the switch.
func (r *Rig) buildVMBridge(n *Node) error {
	return runAll(
		[]string{"ip", "-n", n.NS, "link", "add", VMBridge, "type", "bridge"},
		[]string{"ip", "-n", n.NS, "link", "set", VMBridge, "up"},
		[]string{"ip", "-n", r.Switch, "link", "add", n.VMPort, "type", "veth", "peer", "name", vmUplink, "netns", n.NS},
		[]string{"ip", "-n", r.Switch, "link", "set", n.VMPort, "master", "br0", "up"},
		[]string{"ip", "-n", n.NS, "link", "set", vmUplink, "master", VMBridge, "up"},
	)
}

// StartLibvirtd starts node's libvirtd (and its virtlogd) in its network
// namespace and waits until it answers. Its /run starts empty, as a
// booting machine's: the libvirtd of before the node's death left its
// sockets, pid files and domain states there.
func (r *Rig) StartLibvirtd(node string) error {
	n, err := r.Node(node)
	if err != nil {
		return err
	}
	if err := os.RemoveAll(filepath.Join(n.LibvirtDir(), "run")); err != nil {
		return err
	}
	return r.startLibvirtd(n)
}

// KillLibvirtd kills node's libvirtd (kill -9), as a crash or an upgrade
// would: its guests' qemu run on, as they do on a real host.
func (r *Rig) KillLibvirtd(node string) error {
	n, err := r.Node(node)
	if err != nil {
		return err
	}
	b, err := os.ReadFile(filepath.Join(n.LibvirtDir(), "run", "libvirtd.pid"))
	if err != nil {
		return err
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || pid <= 0 {
		return fmt.Errorf("%s: libvirtd's pid file says %q", node, b)
	}
	p, err := procOf(pid)
	if err == nil {
		err = p.kill()
	}
	if err != nil {
		return fmt.Errorf("%s: libvirtd %d: %v", node, pid, err)
	}
	r.log("%s: libvirtd killed (pid %d); its guests run on", node, pid)
	return nil
}

// RestartLibvirtd starts node's libvirtd again after KillLibvirtd: its
// /run kept, it finds the guests that ran on.
func (r *Rig) RestartLibvirtd(node string) error {
	n, err := r.Node(node)
	if err != nil {
		return err
	}
	return r.startLibvirtd(n)
}

// startLibvirtd starts n's libvirtd, its /run as it is.
func (r *Rig) startLibvirtd(n *Node) error {
	node := n.Name
	num := 0
	for i, m := range r.Nodes {
		if m == n {
			num = i + 1
		}
	}
	dir := n.LibvirtDir()
	// qemu runs as libvirt-qemu: the lab's root and the node's directory
	// must let it through to the guest's files and its own.
	for _, d := range []string{r.Root, filepath.Dir(dir), dir} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return err
		}
		if err := os.Chmod(d, 0o755); err != nil {
			return err
		}
	}
	l, err := vmlab.StartLibvirtd(n.Name, n.NS, dir, num)
	if err != nil {
		return fmt.Errorf("%s: %v\n%s", node, err, LogTail(filepath.Join(dir, "libvirtd.log"), 20))
	}
	// A libvirtd probes qemu's capabilities at its first domain, 3.7 s
	// on a loaded lab machine: a node's libvirtd has done it long before
	// a failover, and the lab's has too.
	if _, err := runCmd("virsh", "-c", l.URI, "domcapabilities", "--virttype", "qemu", "--arch", "x86_64"); err != nil {
		return fmt.Errorf("%s: libvirtd: %v", node, err)
	}
	r.log("%s: libvirtd up on %s", node, l.Socket)
	return nil
}

// GuestFiles are the lab guest's kernel and initramfs, as every node
// boots them: ROOT/vm/vmlinuz and ROOT/vm/initrd.gz.
func (r *Rig) GuestFiles() (kernel, initrd string) {
	dir := filepath.Join(r.Root, "vm")
	return filepath.Join(dir, "vmlinuz"), filepath.Join(dir, "initrd.gz")
}

// installGuest builds the lab guest (vmlab's, with the web page's boot
// hook; cached under TMPDIR) and puts its kernel and initramfs in ROOT/vm.
func (r *Rig) installGuest() error {
	dir := filepath.Join(r.Root, "vm")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for _, d := range []string{r.Root, dir} {
		if err := os.Chmod(d, 0o755); err != nil {
			return err
		}
	}
	hook := filepath.Join(dir, "50-web")
	if err := os.WriteFile(hook, []byte(guestHookScript), 0o755); err != nil {
		return err
	}
	// the node's om where the agent of an encapsulated service goes: the
	// node finds it there, of its own build, and copies nothing (35 MB
	// through the guest agent: 14 s under TCG)
	files := map[string]string{GuestHook: hook, encap.AgentPath: r.bin("om")}
	img, err := vmlab.Build(vmlab.GuestOptions{Files: files})
	if err != nil {
		return fmt.Errorf("the lab's guest: %v", err)
	}
	kernel, initrd := r.GuestFiles()
	for _, f := range [][2]string{{img.Kernel, kernel}, {img.Initrd, initrd}} {
		if err := copyFile(f[0], f[1], 0o644); err != nil {
			return err
		}
	}
	return nil
}

// GuestNodes returns the nodes whose libvirtd runs the lab guest's qemu
// now (its pid file names a live qemu process in the node's network
// namespace), in node order.
func (r *Rig) GuestNodes() []string { return guestNodes(r.Nodes, GuestDomain) }

func guestNodes(nodes []*Node, domain string) []string {
	var out []string
	for _, n := range nodes {
		if guestRuns(n, domain) {
			out = append(out, n.Name)
		}
	}
	return out
}

// guestRuns tells whether node n's libvirtd runs domain: the pid in its
// pid file (left behind by a killed libvirtd) is a live qemu in n's
// network namespace.
func guestRuns(n *Node, domain string) bool {
	b, err := os.ReadFile(filepath.Join(n.LibvirtDir(), "run", "qemu", domain+".pid"))
	if err != nil {
		return false
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || pid <= 0 {
		return false
	}
	if state, _, err := procStat(pid); err != nil || state == "Z" {
		return false
	}
	comm, err := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid))
	if err != nil || !strings.HasPrefix(string(comm), "qemu") {
		return false
	}
	var st syscall.Stat_t
	if err := syscall.Stat(n.NSPath(), &st); err != nil {
		return false
	}
	link, err := os.Readlink(fmt.Sprintf("/proc/%d/ns/net", pid))
	return err == nil && link == fmt.Sprintf("net:[%d]", st.Ino)
}

// ServedBy returns the node that served body: the one a demoweb greeting
// names, or, for the lab guest's page, the one node whose libvirtd runs
// the guest now; "" when it cannot tell.
func (r *Rig) ServedBy(body string) string {
	if node := ServedBy(body); node != "" {
		return node
	}
	if r.VMs && strings.Contains(body, GuestGreeting) {
		if on := r.GuestNodes(); len(on) == 1 {
			return on[0]
		}
	}
	return ""
}
