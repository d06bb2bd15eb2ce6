package clusterlab

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// hostnameThenExec sets the UTS namespace's host name to $0, then runs the
// rest of the arguments in its place.
const hostnameThenExec = `hostname "$0" && exec "$@"`

// daemonArgvOf is the daemon command of node n.
func (r *Rig) daemonArgvOf(n *Node) []string {
	if r.daemonArgv != nil {
		return r.daemonArgv(n)
	}
	return []string{r.bin("om"), "daemon", "run",
		"--bind", fmt.Sprintf("%s:%d", n.Addr, GossipPort), "--profile", r.Profile}
}

// StartDaemon starts node's daemon in the background, in its network
// namespace and its own UTS namespace named after the node, detached in
// its own session (it outlives the lab tool), output appended to n.Log.
func (r *Rig) StartDaemon(node string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	n, err := r.Node(node)
	if err != nil {
		return err
	}
	if n.Daemon.Alive() {
		return fmt.Errorf("%s: the daemon already runs (pid %d)", node, n.Daemon.PID)
	}
	argv := r.daemonArgvOf(n)
	full := append([]string{"nsenter", "--net=" + n.NSPath(), "unshare", "--uts",
		"sh", "-c", hostnameThenExec, n.Name}, argv...)
	logf, err := os.OpenFile(n.Log, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	defer logf.Close()
	fmt.Fprintf(logf, "==== lab: %s starting %s\n", time.Now().Format(time.RFC3339Nano), strings.Join(argv, " "))
	cmd := exec.Command(full[0], full[1:]...)
	cmd.Env = nodeEnv(n)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("%s: start the daemon: %v", node, err)
	}
	go func() { _ = cmd.Wait() }() // reap it, when it is our child
	p, err := waitExec(cmd.Process.Pid, argv[0])
	if err != nil {
		return fmt.Errorf("%s: the daemon did not start: %v\n%s", node, err, LogTail(n.Log, 30))
	}
	n.Daemon, n.Killed = p, false
	r.log("%s: daemon started, pid %d", node, p.PID)
	return r.save()
}

// waitExec waits until pid, started through nsenter, unshare and sh, has
// become the daemon itself (its argv[0] is arg0): then its host name is set.
func waitExec(pid int, arg0 string) (Proc, error) {
	deadline := time.Now().Add(10 * time.Second)
	for {
		if state, _, err := procStat(pid); err != nil || state == "Z" {
			return Proc{}, fmt.Errorf("pid %d exited at once", pid)
		}
		// empty while the process is between two programs
		b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
		if first(b) == arg0 {
			return procOf(pid)
		}
		if time.Now().After(deadline) {
			return Proc{}, fmt.Errorf("pid %d is still %q after 10s", pid, first(b))
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func first(cmdline []byte) string {
	s, _, _ := strings.Cut(string(cmdline), "\x00")
	return s
}

// KillDaemon kills node's daemon with SIGKILL, leaving every other process
// of the node (the service's resources) running.
func (r *Rig) KillDaemon(node string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	n, err := r.Node(node)
	if err != nil {
		return err
	}
	if !n.Daemon.Alive() {
		return fmt.Errorf("%s: no daemon runs", node)
	}
	if err := n.Daemon.kill(); err != nil {
		return fmt.Errorf("%s: %v", node, err)
	}
	r.log("%s: daemon pid %d killed", node, n.Daemon.PID)
	n.Daemon = Proc{}
	return r.save()
}

// DaemonPID returns the pid of node's daemon, 0 when none runs.
func (r *Rig) DaemonPID(node string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n, err := r.Node(node)
	if err != nil || !n.Daemon.Alive() {
		return 0
	}
	return n.Daemon.PID
}

// Socket is the path of node's daemon API socket.
func (n *Node) Socket() string { return filepath.Join(n.StateDir, "daemon.sock") }

// WaitDaemon waits until node's daemon accepts connections on its socket,
// failing early, with the end of its log, if it dies.
func (r *Rig) WaitDaemon(node string, timeout time.Duration) error {
	n, err := r.Node(node)
	if err != nil {
		return err
	}
	deadline := time.Now().Add(timeout)
	for {
		c, err := net.DialTimeout("unix", n.Socket(), time.Second)
		if err == nil {
			c.Close()
			return nil
		}
		if r.DaemonPID(node) == 0 {
			return fmt.Errorf("%s: the daemon died before answering on %s:\n%s", node, n.Socket(), LogTail(n.Log, 30))
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s: the daemon does not answer on %s after %s: %v\n%s", node, n.Socket(), timeout, err, LogTail(n.Log, 30))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// LogTail returns the last lines of a log file, or why it cannot.
func LogTail(path string, lines int) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Sprintf("(%v)", err)
	}
	all := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(all) > lines {
		all = all[len(all)-lines:]
	}
	return strings.Join(all, "\n")
}
