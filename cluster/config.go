// Package cluster holds what the nodes of a cluster share: the secret that
// encrypts gossip and signs node-to-node calls, the timing profile, the
// arbitrators, and the quorum rule.
package cluster

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"syscall"
)

// Config is a node's cluster settings, kept in STATE/cluster.json.
type Config struct {
	// Secret is 32 hex digits: the AES-128 gossip key and the HMAC key of
	// the peer API.
	Secret string `json:"secret"`
	// Profile names the timing profile: "default" or "fast".
	Profile string `json:"profile"`
	// Arbitrators are "tcp://host:port" or "http(s)://..." endpoints that
	// add a vote to the side of a partition that reaches them.
	Arbitrators []string `json:"arbitrators,omitempty"`
	// Nodes are every node ever seen in the cluster: the quorum counts
	// them, so a partition cannot shrink the cluster to its own side.
	Nodes []string `json:"nodes,omitempty"`
	// Addrs are the members' gossip addresses as last seen: a restarted
	// daemon joins them at once instead of waiting for them to retry it.
	Addrs map[string]string `json:"addrs,omitempty"`
	// TimingOverrides change single timings of the profile ("grace": "2s").
	TimingOverrides map[string]string `json:"timings,omitempty"`
}

// Path is where a state directory keeps the cluster settings.
func Path(stateDir string) string { return filepath.Join(stateDir, "cluster.json") }

// Load reads the settings; a missing file is a fresh cluster of one with
// a new secret, written back so every later read agrees.
func Load(stateDir string) (*Config, error) {
	b, err := os.ReadFile(Path(stateDir))
	if errors.Is(err, os.ErrNotExist) {
		c := &Config{Secret: NewSecret(), Profile: "default"}
		return c, c.Save(stateDir)
	}
	if err != nil {
		return nil, err
	}
	var c Config
	if err := json.Unmarshal(b, &c); err != nil {
		return nil, fmt.Errorf("%s: %w", Path(stateDir), err)
	}
	if _, err := c.Key(); err != nil {
		return nil, fmt.Errorf("%s: %w", Path(stateDir), err)
	}
	if c.Profile == "" {
		c.Profile = "default"
	}
	return &c, nil
}

// Save writes the settings atomically, readable by root only.
func (c *Config) Save(stateDir string) error {
	if err := os.MkdirAll(stateDir, 0o700); err != nil {
		return err
	}
	b, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		return err
	}
	tmp := Path(stateDir) + ".tmp"
	if err := os.WriteFile(tmp, append(b, '\n'), 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, Path(stateDir))
}

// Update changes the settings on disk under a file lock: fn gets the
// current file's settings and says whether it changed them. The daemon
// and om cluster set both write the file; each keeps the other's changes.
func Update(stateDir string, fn func(*Config) (bool, error)) (*Config, error) {
	if err := os.MkdirAll(stateDir, 0o700); err != nil {
		return nil, err
	}
	lf, err := os.OpenFile(Path(stateDir)+".lock", os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, err
	}
	defer lf.Close() // releases the lock
	if err := syscall.Flock(int(lf.Fd()), syscall.LOCK_EX); err != nil {
		return nil, err
	}
	c, err := Load(stateDir)
	if err != nil {
		return nil, err
	}
	changed, err := fn(c)
	if err != nil || !changed {
		return c, err
	}
	return c, c.Save(stateDir)
}

// NewSecret returns a random secret.
func NewSecret() string {
	b := make([]byte, 16)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// Key decodes the secret into the gossip encryption key.
func (c *Config) Key() ([]byte, error) {
	return DecodeSecret(c.Secret)
}

// DecodeSecret checks and decodes a secret.
func DecodeSecret(s string) ([]byte, error) {
	k, err := hex.DecodeString(s)
	if err != nil || len(k) != 16 {
		return nil, fmt.Errorf("invalid cluster secret %q: want 32 hex digits", s)
	}
	return k, nil
}

// SetAddr records a member's gossip address; it reports a change.
func (c *Config) SetAddr(node, addr string) bool {
	if addr == "" || c.Addrs[node] == addr {
		return false
	}
	if c.Addrs == nil {
		c.Addrs = map[string]string{}
	}
	c.Addrs[node] = addr
	return true
}

// AddNodes records nodes as cluster members; it reports whether the list
// changed.
func (c *Config) AddNodes(names ...string) bool {
	changed := false
	for _, n := range names {
		if n != "" && !slices.Contains(c.Nodes, n) {
			c.Nodes = append(c.Nodes, n)
			changed = true
		}
	}
	sort.Strings(c.Nodes)
	return changed
}

// Get returns a setting by its om cluster get --kw name.
func (c *Config) Get(kw string) (string, error) {
	switch kw {
	case "cluster.secret", "secret":
		return c.Secret, nil
	case "cluster.profile", "profile":
		return c.Profile, nil
	case "cluster.arbitrators", "arbitrators":
		return strings.Join(c.Arbitrators, " "), nil
	case "cluster.nodes", "nodes":
		return strings.Join(c.Nodes, " "), nil
	}
	if name, ok := strings.CutPrefix(kw, "timings."); ok {
		if _, known := timingNames[name]; known {
			t, err := c.Timings()
			if err != nil {
				return "", err
			}
			return t.get(name).String(), nil
		}
	}
	return "", fmt.Errorf("unknown keyword %q (known: cluster.secret, cluster.profile, cluster.arbitrators, cluster.nodes, timings.NAME)", kw)
}

// Set changes a setting by its om cluster set --kw name.
func (c *Config) Set(kw, value string) error {
	if isHeartbeat(kw) {
		return heartbeat(kw, value)
	}
	switch kw {
	case "cluster.secret", "secret":
		if _, err := DecodeSecret(value); err != nil {
			return err
		}
		c.Secret = value
	case "cluster.profile", "profile":
		if _, ok := profiles[value]; !ok {
			return fmt.Errorf("unknown profile %q: want default or fast", value)
		}
		c.Profile = value
	case "cluster.arbitrators", "arbitrators":
		c.Arbitrators = strings.Fields(strings.ReplaceAll(value, ",", " "))
	default:
		name, ok := strings.CutPrefix(kw, "timings.")
		if _, known := timingNames[name]; !ok || !known {
			return fmt.Errorf("unknown keyword %q", kw)
		}
		if c.TimingOverrides == nil {
			c.TimingOverrides = map[string]string{}
		}
		c.TimingOverrides[name] = value
		if _, err := c.Timings(); err != nil {
			delete(c.TimingOverrides, name)
			return err
		}
	}
	return nil
}

// ErrNothingToSet is Set's answer to a setting the cluster already has by
// design: the OpenSVC agent's unicast heartbeat, which is what serf does.
var ErrNothingToSet = errors.New("nothing to set")

// isHeartbeat says whether kw is an OpenSVC heartbeat keyword (hb#1.type).
func isHeartbeat(kw string) bool {
	sec, _, _ := strings.Cut(kw, ".")
	return sec == "hb" || strings.HasPrefix(sec, "hb#")
}

// heartbeat answers the OpenSVC agent's heartbeat settings: omhcl has one
// heartbeat, serf gossip over unicast between the nodes' addresses.
func heartbeat(kw, value string) error {
	_, key, _ := strings.Cut(kw, ".")
	if key == "type" && value == "unicast" {
		return fmt.Errorf("%s=%s: %w: the heartbeat is always unicast here (serf gossip on the daemon's --bind address, 7946 tcp and udp, and lease beacons on 7947 udp)", kw, value, ErrNothingToSet)
	}
	return fmt.Errorf("%s=%s: omhcl has one heartbeat, serf gossip over unicast between the nodes' addresses: no heartbeat sections to configure (timings.* tune it)", kw, value)
}

// PeerAddr is the peer port's address of a node whose gossip address is
// gossip: the next port up, on the same host (the peer API, the lease
// beacons and the data channel all use it).
func PeerAddr(gossip string) (string, error) {
	host, port, err := net.SplitHostPort(gossip)
	if err != nil {
		return "", err
	}
	p, err := strconv.Atoi(port)
	if err != nil {
		return "", fmt.Errorf("gossip address %s: port %q: %w", gossip, port, err)
	}
	return net.JoinHostPort(host, strconv.Itoa(p+1)), nil
}
