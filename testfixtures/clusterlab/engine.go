package clusterlab

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/omhcl/omhcl/testfixtures/containerlab"
)

// A lab node may run a container engine of its own, as a real node does:
// a dockerd in the node's network namespace with its own socket, data
// root, exec root (and so its own containerd) and cgroup parent. The
// node's commands and daemon find it through DOCKER_HOST. A node's death
// kills it with everything it runs: dockerd, containerd and the shims
// live in the node's network namespace; the containers (network "none",
// their own namespaces) are found by the cgroup parent.

// EngineDir is where node n's engine keeps its files.
func (n *Node) EngineDir() string { return filepath.Join(filepath.Dir(n.StateDir), "engine") }

// EngineSocket is node n's engine socket.
func (n *Node) EngineSocket() string { return filepath.Join(n.EngineDir(), "docker.sock") }

// engineCgroup is the cgroup parent of node n's containers.
func (r *Rig) engineCgroup(n *Node) string { return "/" + r.Prefix + "-" + n.Name }

// StartEngine starts node's dockerd and waits until it answers.
func (r *Rig) StartEngine(node string) error {
	n, err := r.Node(node)
	if err != nil {
		return err
	}
	dir := n.EngineDir()
	// The exec root is the node's /run: a booting node finds it empty,
	// else dockerd waits for the containerd of before the node's death.
	execRoot := filepath.Join(dir, "exec")
	if err := unmountUnder(execRoot); err != nil {
		return err
	}
	if err := os.RemoveAll(execRoot); err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	logf, err := os.OpenFile(filepath.Join(dir, "dockerd.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	defer logf.Close()
	// nsenter, not ip netns exec: that one remounts /sys and hides the
	// cgroup mounts dockerd needs.
	cmd := exec.Command("nsenter", "--net="+n.NSPath(), "dockerd",
		"--host", "unix://"+n.EngineSocket(), "--data-root", filepath.Join(dir, "data"),
		"--exec-root", execRoot, "--pidfile", filepath.Join(dir, "dockerd.pid"),
		"--cgroup-parent", r.engineCgroup(n),
		"--bridge", "none", "--iptables=false", "--ip-masq=false", "--ip-forward=false")
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("%s: start dockerd: %v", node, err)
	}
	go func() { _ = cmd.Wait() }()
	if err := waitEngine(n.EngineSocket(), 30*time.Second); err != nil {
		return fmt.Errorf("%s: %v\n%s", node, err, LogTail(filepath.Join(dir, "dockerd.log"), 20))
	}
	// No registry is reachable: every engine gets the local image.
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := containerlab.Ensure(ctx, n.EngineSocket()); err != nil {
		return fmt.Errorf("%s: %v", node, err)
	}
	r.log("%s: container engine up on %s, with %s", node, n.EngineSocket(), containerlab.ImageName)
	return nil
}

// waitEngine waits until the engine at sock answers its ping.
func waitEngine(sock string, timeout time.Duration) error {
	c := &http.Client{Timeout: time.Second, Transport: &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, "unix", sock)
		},
	}}
	deadline := time.Now().Add(timeout)
	for {
		resp, err := c.Get("http://engine/_ping")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("dockerd does not answer on %s after %s: %v", sock, timeout, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// killContainers kills -9 every process in node n's container cgroups, as
// the node's death would.
func (r *Rig) killContainers(n *Node) error {
	root := filepath.Join("/sys/fs/cgroup/pids", r.engineCgroup(n))
	if _, err := os.Stat(root); err != nil {
		return nil // no container ever ran
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		pids := cgroupPids(root)
		if len(pids) == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s: container processes %v alive 10s after kill -9", n.Name, pids)
		}
		for _, pid := range pids {
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// cgroupPids lists the processes in the cgroup tree at root.
func cgroupPids(root string) []int {
	var pids []int
	filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.Name() != "cgroup.procs" {
			return nil
		}
		b, _ := os.ReadFile(p)
		for _, f := range strings.Fields(string(b)) {
			if pid, err := strconv.Atoi(f); err == nil {
				pids = append(pids, pid)
			}
		}
		return nil
	})
	return pids
}

// nodeOfNS returns the node whose namespace is ns, nil for the switch
// and the client.
func (r *Rig) nodeOfNS(ns string) *Node {
	for _, n := range r.Nodes {
		if n.NS == ns {
			return n
		}
	}
	return nil
}

// removeCgroups removes node n's container cgroups, deepest first, in
// every hierarchy (they are empty once its containers are killed).
func (r *Rig) removeCgroups(n *Node) error {
	roots, _ := filepath.Glob(filepath.Join("/sys/fs/cgroup/*", r.engineCgroup(n)))
	for _, root := range roots {
		var dirs []string
		filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
			if err == nil && d.IsDir() {
				dirs = append(dirs, p)
			}
			return nil
		})
		for i := len(dirs) - 1; i >= 0; i-- {
			if err := os.Remove(dirs[i]); err != nil && !os.IsNotExist(err) {
				return fmt.Errorf("%s: remove cgroup %s: %v", n.Name, dirs[i], err)
			}
		}
	}
	return nil
}
