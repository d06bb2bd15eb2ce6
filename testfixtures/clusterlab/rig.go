package clusterlab

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
)

// Subnet facts of the lab: node i is 198.18.10.i, the client .250.
const (
	subnetPrefix = "198.18.10."
	ClientAddr   = subnetPrefix + "250"
	// ServiceAddr is the address of the example service (examples/lab).
	ServiceAddr = subnetPrefix + "100"
	// GossipPort is the daemon's serf port; its peer API listens on +1.
	GossipPort = 7946
	// NodeDev is the node's interface on the bridge, as services name it.
	NodeDev  = "eth0"
	maxNodes = 200
)

// Options shape a lab.
type Options struct {
	// BinDir holds the built om, omapply, omplan and demoweb binaries.
	BinDir string
	// Root is the lab's directory (lab.json, node directories, logs).
	// Empty: a new temporary directory, removed by Down.
	Root string
	// Prefix names the lab's network namespaces (PREFIX-sw, PREFIX-node1,
	// PREFIX-client). Empty: a name unique to this process.
	Prefix string
	// Profile is the daemon's timing profile: "fast" (default) or "default".
	Profile string
	// DaemonArgv returns the command run as node's daemon, for tests of
	// the lab itself (a sleep standing in for the daemon). Nil: the real
	// `om daemon run`. Not kept in lab.json: a reopened lab runs om.
	DaemonArgv func(n *Node) []string
	// Logf receives a line per lab operation; nil: silent.
	Logf func(format string, args ...any)
	// Engines gives every node a container engine of its own (engine.go).
	Engines bool
	// VMs gives every node a libvirtd of its own and a bridge for its
	// guests on the lab's network (vm.go).
	VMs bool
}

// Node is one node of the lab, as kept in lab.json.
type Node struct {
	Name      string
	NS        string // network namespace name, under /run/netns
	Addr      string // its address on the bridge, without prefix length
	Port      string // its veth end on the switch side
	VMPort    string // in a lab with VMs: its guest bridge's uplink, on the switch side
	StateDir  string
	ConfigDir string
	Log       string // the daemon's stderr and stdout
	Daemon    Proc   // the running daemon, zero when none was started
	Killed    bool   // Kill ran and no daemon was started since
}

// NSPath is the node's network namespace file, for nsenter --net.
func (n *Node) NSPath() string { return "/run/netns/" + n.NS }

// Rig is a lab. Its methods are safe for concurrent use.
type Rig struct {
	Root    string
	Prefix  string
	BinDir  string
	Profile string
	Switch  string // the switch namespace
	Client  string // the client namespace
	Nodes   []*Node
	// Engines: every node runs its own dockerd (engine.go).
	Engines bool
	// VMs: every node runs its own libvirtd, its guests on a bridge of
	// its own plugged into the lab's switch (vm.go).
	VMs bool
	// TempRoot marks a root Create made itself: Down removes it.
	TempRoot bool

	mu         sync.Mutex
	daemonArgv func(n *Node) []string
	logf       func(format string, args ...any)
	addrs      *addrReader
}

// stateFile is where a Rig describes itself, so a later run can Open it.
func stateFile(root string) string { return filepath.Join(root, "lab.json") }

// Node returns the node named name.
func (r *Rig) Node(name string) (*Node, error) {
	for _, n := range r.Nodes {
		if n.Name == name {
			return n, nil
		}
	}
	names := make([]string, len(r.Nodes))
	for i, n := range r.Nodes {
		names[i] = n.Name
	}
	return nil, fmt.Errorf("no node %q in the lab (nodes: %v)", name, names)
}

// NodeNames returns the node names in order.
func (r *Rig) NodeNames() []string {
	names := make([]string, len(r.Nodes))
	for i, n := range r.Nodes {
		names[i] = n.Name
	}
	return names
}

// Open loads the lab described in root/lab.json, as Create left it.
func Open(root string, logf func(format string, args ...any)) (*Rig, error) {
	b, err := os.ReadFile(stateFile(root))
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("no lab in %s (no lab.json): start one first", root)
	}
	if err != nil {
		return nil, err
	}
	r := &Rig{}
	if err := json.Unmarshal(b, r); err != nil {
		return nil, fmt.Errorf("%s: %v", stateFile(root), err)
	}
	r.logf = logf
	r.addrs = newAddrReader()
	return r, nil
}

// save writes lab.json. Callers hold r.mu.
func (r *Rig) save() error {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	tmp := stateFile(r.Root) + ".tmp"
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, stateFile(r.Root))
}

func (r *Rig) log(format string, args ...any) {
	if r.logf != nil {
		r.logf(format, args...)
	}
}

// bin returns the path of a built binary.
func (r *Rig) bin(name string) string { return filepath.Join(r.BinDir, name) }
