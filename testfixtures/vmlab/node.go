package vmlab

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Libvirtd is a libvirtd of a lab node's own: run in the node's network
// namespace and in a mount namespace of its own, where the node's
// directories are bound over libvirt's (/run/libvirt, /var/lib/libvirt,
// /var/cache/libvirt, /var/log/libvirt, /etc/libvirt/qemu), with its own
// virtlogd and host UUID, so that several run side by side as on several
// hosts: their guests live in their node's network, and a migration from
// one to another is a migration between hosts.
type Libvirtd struct {
	Node   string
	Dir    string // the node's directories, under the lab's
	Socket string // its unix socket, as the host sees it
	URI    string // qemu+unix:///system?socket=Socket
	cmd    *exec.Cmd
	done   chan struct{}
}

// libvirtDirs are the directories bound over libvirt's own, by their
// name under Libvirtd.Dir.
var libvirtDirs = []struct{ name, over string }{
	{"run", "/run/libvirt"}, {"lib", "/var/lib/libvirt"}, {"cache", "/var/cache/libvirt"},
	{"log", "/var/log/libvirt"}, {"etc-qemu", "/etc/libvirt/qemu"},
}

// dropInherited unmounts, in the libvirtd's new mount namespace, what it
// copied from the host's but /, /proc, /sys and /dev: the host's root is
// private here (no systemd made it shared), so a filesystem a test had
// mounted when the libvirtd started stayed mounted in its copy after the
// test unmounted it, and its loop device stayed busy ("still attached
// after losetup -d", make test, 2026-12-06); a network namespace's
// mount there would keep the namespace alive.
const dropInherited = `findmnt -rn -o TARGET | sort -r | while read -r m; do case $m in /|/proc|/proc/*|/sys|/sys/*|/dev|/dev/*) ;; *) umount -l "$m" 2>/dev/null || true ;; esac; done`

// startVirtlogd starts the node's virtlogd unless one runs: a libvirtd
// started again (its predecessor killed, its guests running on) keeps
// the virtlogd that holds its guests' consoles.
const startVirtlogd = `p=/run/libvirt/virtlogd.pid; if ! { [ -s $p ] && kill -0 "$(cat $p)" 2>/dev/null; }; then virtlogd -d -p $p; fi`

// StartLibvirtd starts node's libvirtd in the network namespace netns,
// its state under dir (made if missing; a world-searchable path: qemu
// runs as libvirt-qemu), with host UUID number n, and waits until it
// answers. The host's name in its namespace is node, which libvirt
// names itself by in migrations. It runs under tini -s, a subreaper:
// libvirt daemonizes each guest's qemu, whose exit would otherwise be
// reaped by this machine's init, which does it 2 s late, while libvirt's
// destroy waits for the process to be gone (systemd reaps at once).
func StartLibvirtd(node, netns, dir string, n int) (*Libvirtd, error) {
	l := &Libvirtd{Node: node, Dir: dir, Socket: filepath.Join(dir, "run", "libvirt-sock"), done: make(chan struct{})}
	l.URI = "qemu+unix:///system?socket=" + l.Socket
	var binds []string
	for _, d := range libvirtDirs {
		p := filepath.Join(dir, d.name)
		if err := os.MkdirAll(p, 0o755); err != nil {
			return nil, err
		}
		binds = append(binds, fmt.Sprintf("mount --bind %s %s", p, d.over))
	}
	seedCapabilities(dir)
	conf := filepath.Join(dir, "libvirtd.conf")
	text := fmt.Sprintf("host_uuid = \"00000000-0000-4000-8000-%012d\"\nlog_outputs = \"3:stderr\"\n", n)
	if err := os.WriteFile(conf, []byte(text), 0o644); err != nil {
		return nil, err
	}
	script := fmt.Sprintf("set -e; hostname %s; %s; %s; cd /; %s; exec tini -s -- libvirtd -f %s -p %s",
		node, dropInherited, strings.Join(binds, "; "), startVirtlogd, conf, filepath.Join(dir, "run", "libvirtd.pid"))
	log, err := os.Create(filepath.Join(dir, "libvirtd.log"))
	if err != nil {
		return nil, err
	}
	defer log.Close()
	l.cmd = exec.Command("ip", "netns", "exec", netns, "unshare", "-m", "-u", "--propagation", "private", "sh", "-c", script)
	l.cmd.Stdout, l.cmd.Stderr = log, log
	if err := l.cmd.Start(); err != nil {
		return nil, err
	}
	go func() { l.cmd.Wait(); close(l.done) }()
	for end := time.Now().Add(20 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		if Ping(l.Socket) == nil {
			return l, nil
		}
		select {
		case <-l.done:
			return nil, fmt.Errorf("libvirtd of %s exited at start (see %s)", node, log.Name())
		default:
		}
		if time.Now().After(end) {
			l.Stop()
			return nil, fmt.Errorf("libvirtd of %s did not answer on %s within 20 s (see %s)", node, l.Socket, log.Name())
		}
	}
}

// Stop destroys the node's domains (their qemu outlives libvirtd), then
// stops its libvirtd and virtlogd.
func (l *Libvirtd) Stop() {
	if out, err := exec.Command("virsh", "-c", l.URI, "list", "--all", "--name").Output(); err == nil {
		for _, dom := range strings.Fields(string(out)) {
			exec.Command("virsh", "-c", l.URI, "destroy", dom).Run()
			exec.Command("virsh", "-c", l.URI, "undefine", dom, "--nvram").Run()
		}
	}
	l.cmd.Process.Signal(os.Interrupt)
	select {
	case <-l.done:
	case <-time.After(10 * time.Second):
		l.cmd.Process.Kill()
		<-l.done
	}
	if b, err := os.ReadFile(filepath.Join(l.Dir, "run", "virtlogd.pid")); err == nil {
		exec.Command("kill", strings.TrimSpace(string(b))).Run()
	}
}

// NodeLibvirtd starts node's libvirtd in netns for t, stopped at its
// cleanup; t is skipped where the host's libvirt cannot run guests.
func NodeLibvirtd(t testing.TB, node, netns string, n int) *Libvirtd {
	t.Helper()
	RequireLibvirt(t)
	dir, err := os.MkdirTemp("", "omhcl-libvirtd-"+node+"-")
	if err == nil {
		err = os.Chmod(dir, 0o755)
	}
	if err != nil {
		t.Fatal(err)
	}
	l, err := StartLibvirtd(node, netns, dir, n)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Stop(); os.RemoveAll(dir) })
	return l
}

// hostCapabilities is where the host's libvirtd caches what it probed of
// the qemu binaries.
const hostCapabilities = "/var/cache/libvirt/qemu/capabilities"

// seedCapabilities copies the host libvirtd's cache of qemu's
// capabilities into a node libvirtd's (under dir), when it has none: the
// same binaries on the same host, so the node's libvirtd takes it as
// valid instead of probing qemu again at its first domain (3.7 s on a
// loaded machine; it probes when the cache does not match).
func seedCapabilities(dir string) {
	to := filepath.Join(dir, "cache", "qemu", "capabilities")
	if have, _ := filepath.Glob(filepath.Join(to, "*.xml")); len(have) > 0 {
		return
	}
	files, _ := filepath.Glob(filepath.Join(hostCapabilities, "*.xml"))
	if len(files) == 0 || os.MkdirAll(to, 0o755) != nil {
		return
	}
	for _, f := range files {
		if b, err := os.ReadFile(f); err == nil {
			_ = os.WriteFile(filepath.Join(to, filepath.Base(f)), b, 0o600)
		}
	}
}
