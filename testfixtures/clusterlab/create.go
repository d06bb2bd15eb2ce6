package clusterlab

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync/atomic"
)

var labCounter atomic.Int64

// Create builds a lab of n nodes and starts their daemons. It does not
// form the cluster: call Join once the daemons answer. On error it removes
// what it made.
func Create(n int, opts Options) (*Rig, error) {
	if n < 1 || n > maxNodes {
		return nil, fmt.Errorf("a lab has 1 to %d nodes, not %d", maxNodes, n)
	}
	if opts.DaemonArgv == nil {
		if _, err := os.Stat(filepath.Join(opts.BinDir, "om")); err != nil {
			return nil, fmt.Errorf("the om binary: %v (build it first: make build)", err)
		}
	}
	r, err := newRig(n, opts)
	if err != nil {
		return nil, err
	}
	if err := r.build(); err != nil {
		return nil, errors.Join(err, r.Down())
	}
	return r, nil
}

func newRig(n int, opts Options) (*Rig, error) {
	r := &Rig{
		Root: opts.Root, Prefix: opts.Prefix, BinDir: opts.BinDir, Profile: opts.Profile, Engines: opts.Engines, VMs: opts.VMs,
		daemonArgv: opts.DaemonArgv, logf: opts.Logf, addrs: newAddrReader(),
	}
	if r.Profile == "" {
		r.Profile = "fast"
	}
	if r.Prefix == "" {
		r.Prefix = fmt.Sprintf("cl%d-%d", os.Getpid(), labCounter.Add(1))
	}
	if err := r.makeRoot(); err != nil {
		return nil, err
	}
	r.Switch, r.Client = r.Prefix+"-sw", r.Prefix+"-client"
	for i := 1; i <= n; i++ {
		name := fmt.Sprintf("node%d", i)
		dir := filepath.Join(r.Root, name)
		node := &Node{
			Name: name, NS: r.Prefix + "-" + name, Addr: fmt.Sprintf("%s%d", subnetPrefix, i),
			Port: "v-" + name, StateDir: filepath.Join(dir, "state"), ConfigDir: filepath.Join(dir, "config"),
			Log: filepath.Join(dir, "daemon.log"),
		}
		if r.VMs {
			node.VMPort = "k-" + name
		}
		r.Nodes = append(r.Nodes, node)
	}
	return r, nil
}

// makeRoot creates the lab directory: a short temporary one by default,
// as the daemon's unix socket path must stay under 108 bytes.
func (r *Rig) makeRoot() error {
	if r.Root == "" {
		dir, err := os.MkdirTemp("/tmp", "cl")
		if err != nil {
			return err
		}
		r.Root, r.TempRoot = dir, true
		return nil
	}
	if _, err := os.Stat(stateFile(r.Root)); err == nil {
		return fmt.Errorf("a lab is already in %s (lab.json exists): take it down first", r.Root)
	}
	return os.MkdirAll(r.Root, 0o755)
}

// build makes the namespaces, links and directories, then starts the
// daemons. lab.json is written first, so Down finds a half-built lab.
func (r *Rig) build() error {
	r.mu.Lock()
	err := r.save()
	r.mu.Unlock()
	if err != nil {
		return err
	}
	if err := r.buildSwitch(); err != nil {
		return err
	}
	for _, n := range r.Nodes {
		if err := r.buildNode(n); err != nil {
			return err
		}
	}
	if err := r.plug(r.Client, "v-client", ClientAddr); err != nil {
		return err
	}
	for _, n := range r.Nodes {
		if err := r.startNode(n.Name); err != nil {
			return err
		}
	}
	return nil
}

// startNode starts what a node runs at boot: its engine and its
// libvirtd, if the lab has them, then its daemon.
func (r *Rig) startNode(node string) error {
	if r.Engines {
		if err := r.StartEngine(node); err != nil {
			return err
		}
	}
	if r.VMs {
		if err := r.StartLibvirtd(node); err != nil {
			return err
		}
	}
	return r.StartDaemon(node)
}

func (r *Rig) buildSwitch() error {
	return runAll(
		[]string{"ip", "netns", "add", r.Switch},
		[]string{"ip", "-n", r.Switch, "link", "set", "lo", "up"},
		[]string{"ip", "-n", r.Switch, "link", "add", "br0", "type", "bridge"},
		[]string{"ip", "-n", r.Switch, "link", "set", "br0", "up"},
	)
}

func (r *Rig) buildNode(n *Node) error {
	for _, d := range []string{n.StateDir, n.ConfigDir} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return err
		}
	}
	if err := r.plug(n.NS, n.Port, n.Addr); err != nil {
		return err
	}
	if r.VMs {
		return r.buildVMBridge(n)
	}
	return nil
}

// plug creates namespace ns joined to the bridge: eth0 inside with addr/24,
// port on the switch side, both up, and lo up.
func (r *Rig) plug(ns, port, addr string) error {
	return runAll(
		[]string{"ip", "netns", "add", ns},
		[]string{"ip", "-n", ns, "link", "set", "lo", "up"},
		[]string{"ip", "-n", r.Switch, "link", "add", port, "type", "veth", "peer", "name", NodeDev, "netns", ns},
		[]string{"ip", "-n", r.Switch, "link", "set", port, "master", "br0", "up"},
		[]string{"ip", "-n", ns, "addr", "add", addr + "/24", "dev", NodeDev},
		[]string{"ip", "-n", ns, "link", "set", NodeDev, "up"},
	)
}
