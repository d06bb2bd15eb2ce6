package daemon

import (
	"path/filepath"
	"sort"
	"sync"

	"github.com/hashicorp/hcl/v2"
	"github.com/omhcl/omhcl/lang"
	"github.com/omhcl/omhcl/state"
)

// configEntry is one service's distributed configuration (state's format,
// shared with om and the agents inside containers).
type configEntry = state.ConfigEntry

// Version is what reports carry about a configuration.
type Version = state.ConfigVersion

// configStore keeps the node's copy of every service configuration.
type configStore struct {
	store   *state.Store
	dir     string
	mu      sync.Mutex
	entries map[string]*configEntry
	cached  *lang.Config
}

func newConfigStore(store *state.Store) *configStore {
	return &configStore{store: store, dir: store.ConfigDir(), entries: map[string]*configEntry{}}
}

func (c *configStore) load() error {
	entries, err := c.store.LoadConfigs()
	if err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.entries = entries
	c.cached = nil
	return nil
}

// put stores e when it is newer than what the node has.
func (c *configStore) put(e *configEntry) (bool, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if cur, ok := c.entries[e.Service]; ok && !e.Version().Newer(cur.Version()) {
		return false, nil
	}
	if err := c.store.WriteConfig(e); err != nil {
		return false, err
	}
	c.entries[e.Service] = e
	c.cached = nil
	return true, nil
}

// ingest takes a new source for a service from omapply on this node.
func (c *configStore) ingest(svc, src, origin string) (*configEntry, bool, error) {
	c.mu.Lock()
	cur := c.entries[svc]
	c.mu.Unlock()
	if cur != nil && cur.Source == src {
		return cur, false, nil
	}
	e := state.NewConfigEntry(svc, src, origin, cur)
	changed, err := c.put(e)
	return e, changed, err
}

func (c *configStore) get(svc string) *configEntry {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.entries[svc]
}

func (c *configStore) versions() map[string]Version {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := map[string]Version{}
	for k, e := range c.entries {
		out[k] = e.Version()
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
	c := newConfigStore(state.Open(stateDir))
	if c.load() != nil {
		return nil
	}
	out := map[string][]byte{}
	for name, e := range c.entries {
		out[filepath.Join(c.dir, name+".hcl")] = []byte(e.Source)
	}
	return out
}
