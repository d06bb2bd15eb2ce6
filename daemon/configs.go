package daemon

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"sync"

	"github.com/hashicorp/hcl/v2"
	"github.com/omhcl/omhcl/lang"
)

// configEntry is one service's distributed configuration. The newest
// generation wins; equal generations break ties on the hash, so every
// node converges on the same text.
type configEntry struct {
	Service string `json:"service"`
	Gen     int64  `json:"generation"`
	Hash    string `json:"hash"`
	Origin  string `json:"origin"`
	Source  string `json:"source"`
}

// Version is what reports carry about a configuration.
type Version struct {
	Gen  int64  `json:"generation"`
	Hash string `json:"hash"`
}

func (e *configEntry) version() Version { return Version{e.Gen, e.Hash} }

func (v Version) newer(o Version) bool {
	if v.Gen != o.Gen {
		return v.Gen > o.Gen
	}
	return v.Hash > o.Hash
}

func hashSource(src string) string {
	h := sha256.Sum256([]byte(src))
	return hex.EncodeToString(h[:8])
}

// configStore keeps the node's copy of every service configuration.
type configStore struct {
	dir     string
	mu      sync.Mutex
	entries map[string]*configEntry
	cached  *lang.Config
}

func newConfigStore(dir string) *configStore {
	return &configStore{dir: dir, entries: map[string]*configEntry{}}
}

func (c *configStore) load() error {
	if err := os.MkdirAll(c.dir, 0o700); err != nil {
		return err
	}
	files, _ := filepath.Glob(filepath.Join(c.dir, "*.json"))
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return err
		}
		var e configEntry
		if json.Unmarshal(b, &e) == nil && e.Service != "" {
			c.entries[e.Service] = &e
		}
	}
	c.cached = nil
	return nil
}

// put stores e when it is newer than what the node has.
func (c *configStore) put(e *configEntry) (bool, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if cur, ok := c.entries[e.Service]; ok && !e.version().newer(cur.version()) {
		return false, nil
	}
	b, err := json.MarshalIndent(e, "", "  ")
	if err != nil {
		return false, err
	}
	path := filepath.Join(c.dir, e.Service+".json")
	if err := os.WriteFile(path+".tmp", b, 0o600); err != nil {
		return false, err
	}
	if err := os.Rename(path+".tmp", path); err != nil {
		return false, err
	}
	c.entries[e.Service] = e
	c.cached = nil
	return true, nil
}

// ingest takes a new source for a service from omapply on this node.
func (c *configStore) ingest(svc, src, origin string) (*configEntry, bool, error) {
	c.mu.Lock()
	next := int64(1)
	if cur, ok := c.entries[svc]; ok {
		if cur.Source == src {
			c.mu.Unlock()
			return cur, false, nil
		}
		next = cur.Gen + 1
	}
	c.mu.Unlock()
	e := &configEntry{Service: svc, Gen: next, Hash: hashSource(src), Origin: origin, Source: src}
	changed, err := c.put(e)
	return e, changed, err
}

func (c *configStore) get(svc string) *configEntry {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.entries[svc]
}

// source is the configuration text of svc, nil when the node has none.
func (c *configStore) source(svc string) []byte {
	if e := c.get(svc); e != nil {
		return []byte(e.Source)
	}
	return nil
}

func (c *configStore) versions() map[string]Version {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := map[string]Version{}
	for k, e := range c.entries {
		out[k] = e.version()
	}
	return out
}

// config loads every stored service as one configuration. A service
// whose text does not load is left out and reported.
func (c *configStore) config() (*lang.Config, hcl.Diagnostics) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.cached != nil {
		return c.cached, nil
	}
	files := map[string][]byte{}
	names := make([]string, 0, len(c.entries))
	for k := range c.entries {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		files[filepath.Join(c.dir, k+".hcl")] = []byte(c.entries[k].Source)
	}
	cfg, diags := lang.LoadFiles(files)
	if diags.HasErrors() {
		return nil, diags
	}
	c.cached = cfg
	return cfg, diags
}

// StoredSources returns the service configurations the daemon of stateDir
// keeps (what the cluster distributed), for commands run on a node whose
// own configuration directory has none.
func StoredSources(stateDir string) map[string][]byte {
	c := newConfigStore(filepath.Join(stateDir, "config"))
	if c.load() != nil {
		return nil
	}
	out := map[string][]byte{}
	for name, e := range c.entries {
		out[filepath.Join(c.dir, name+".hcl")] = []byte(e.Source)
	}
	return out
}
