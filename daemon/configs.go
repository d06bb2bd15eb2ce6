package daemon

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/omhcl/omhcl/lang"
	"github.com/omhcl/omhcl/state"
	"github.com/omhcl/omhcl/wire"
)

// configEntry is one service's distributed configuration (state's format,
// shared with om and the agents inside containers).
type configEntry = state.ConfigEntry

// configStore keeps the node's copy of every service configuration.
// Every entry passes validate before it is stored, whatever brought it:
// the API (omapply, om edit), a peer, an agent inside a container, the
// files at start. What fails is refused, and the refusal is shown (om mon,
// the service's sync#i0 line) until a newer generation is stored.
type configStore struct {
	store   *state.Store
	mu      sync.Mutex
	entries map[string]*configEntry
	cached  *lang.Config
	// good is the last configuration that loaded, in force while the
	// entries do not load together (validate keeps them from it).
	good *lang.Config
	// broken says why the entries do not load, "" when they do.
	broken  string
	refused map[string]wire.ConfigRefusal
}

// offer is an entry handed to the store, and where from.
type offer struct {
	svc   string // the service it is stored under: the one asked for
	entry *configEntry
	from  string // "peer n2", "omapply on n1", "vm1 (container#0 of web)"
	// maxJump bounds how far past the node's generation it may be.
	maxJump int64
	// inside: edited inside a container of the service, a lower trust
	// domain: only changes to the level inside are taken (lang.EncapEdit).
	inside bool
	accept string // for wire.ConfigRefusal.Accept
}

// errNotNewer: the node holds this version or a newer one; nothing to do.
var errNotNewer = errors.New("not newer")

func newConfigStore(store *state.Store) *configStore {
	return &configStore{store: store, entries: map[string]*configEntry{}, refused: map[string]wire.ConfigRefusal{}}
}

// load reads the kept entries. Those that fail their checks, or do not
// load together with the others, are left out and shown as refused: a
// peer's copy replaces them.
func (c *configStore) load() error {
	entries, skipped, leftOut, err := c.store.LoadTogether()
	if err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.entries, c.cached = entries, nil
	for name, err := range skipped {
		c.refuseLocked(offer{svc: name, entry: &configEntry{}, from: "the node's store"}, err)
	}
	for name, l := range leftOut {
		c.refuseLocked(offer{svc: name, entry: l.Entry, from: "the node's store (" + c.store.ConfigPath(name) + ")"}, l.Why)
	}
	return nil
}

// put stores o's entry when it passes validate and is newer than the
// node's; an error says why it was refused (the refusal is recorded).
func (c *configStore) put(o offer) (bool, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.putLocked(o)
}

func (c *configStore) putLocked(o offer) (bool, error) {
	cfg, err := c.validate(o)
	if errors.Is(err, errNotNewer) {
		return false, nil
	}
	if err == nil {
		err = c.store.WriteConfig(o.entry)
	}
	if err != nil {
		return false, c.refuseLocked(o, err)
	}
	c.entries[o.svc] = o.entry
	// validate loaded the entries as they are now: no need to again
	c.cached, c.good, c.broken = cfg, cfg, ""
	delete(c.refused, o.svc)
	return true, nil
}

// validate says why o's entry may not be stored: every entry path goes
// through it. The entry must be of the service it is stored under, with a
// service name, a generation in range, newer than the node's and not far
// past it, edited inside a container only at the level inside, and load
// together with the node's other services; it returns them loaded so.
func (c *configStore) validate(o offer) (*lang.Config, error) {
	if err := o.entry.Check(o.svc); err != nil {
		return nil, err
	}
	cur := c.entries[o.svc]
	local := int64(0)
	if cur != nil {
		if !o.entry.Version().Newer(cur.Version()) {
			return nil, errNotNewer
		}
		local = cur.Gen
	}
	if err := state.CheckJump(local, o.entry.Gen, o.maxJump); err != nil {
		return nil, err
	}
	if o.inside {
		if err := c.insideOnly(cur, o); err != nil {
			return nil, err
		}
	}
	return c.loadsWithOthers(o)
}

// insideOnly refuses an edit made inside a container that changes the
// node's level: a resource without the encap tag, nodes, another service.
func (c *configStore) insideOnly(cur *configEntry, o offer) error {
	if cur == nil {
		return fmt.Errorf("the node holds no configuration of %s to compare the edit with", o.svc)
	}
	old, d1 := lang.LoadFiles(map[string][]byte{c.store.ConfigFile(o.svc): []byte(cur.Source)})
	next, d2 := lang.LoadFiles(map[string][]byte{c.store.ConfigFile(o.svc): []byte(o.entry.Source)})
	if diags := append(d1, d2...); diags.HasErrors() {
		return fmt.Errorf("does not load: %s", diags.Error())
	}
	if changes := lang.EncapEdit(old, next, o.svc); len(changes) > 0 {
		return fmt.Errorf("it changes the node's level, which only the node may change: %s", strings.Join(changes, "; "))
	}
	return nil
}

// loadsWithOthers checks that o's entry declares its service alone and
// loads together with the node's other services, and returns them loaded.
func (c *configStore) loadsWithOthers(o offer) (*lang.Config, error) {
	return c.store.LoadsWith(c.entries, o.svc, o.entry)
}

// refuse records why o was refused, and returns that as an error.
func (c *configStore) refuse(o offer, err error) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.refuseLocked(o, err)
}

// refuseLocked records why o was refused, and returns that as an error.
func (c *configStore) refuseLocked(o offer, err error) error {
	c.refused[o.svc] = wire.ConfigRefusal{Service: o.svc, Version: o.entry.Version(), From: o.from, Why: err.Error(), At: time.Now(), Accept: o.accept}
	return fmt.Errorf("configuration %s generation %d (%s) from %s refused: %w", o.svc, o.entry.Gen, o.entry.Hash, o.from, err)
}

// refusedAlready says whether v of svc was refused lately: a peer
// advertising it is not asked for it again.
func (c *configStore) refusedAlready(svc string, v state.ConfigVersion) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	r, ok := c.refused[svc]
	return ok && r.Version == v
}

// refusals are the entries refused since the service last took one.
func (c *configStore) refusals() []wire.ConfigRefusal {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]wire.ConfigRefusal, 0, len(c.refused))
	for _, r := range c.refused {
		out = append(out, r)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Service < out[j].Service })
	return out
}

// ingest takes a new source for a service from omapply or om edit on
// this node: the next generation, checked like any entry.
func (c *configStore) ingest(svc, src, origin string) (*configEntry, bool, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	cur := c.entries[svc]
	if cur != nil && cur.Source == src {
		return cur, false, nil
	}
	e, err := state.NewConfigEntry(svc, src, origin, cur)
	if err != nil {
		return nil, false, err
	}
	changed, err := c.putLocked(offer{svc: svc, entry: e, from: "the API on " + origin, maxJump: 1})
	if err == nil && !changed {
		err = fmt.Errorf("configuration %s generation %d not stored", svc, e.Gen) // cannot happen: a newer generation under the lock
	}
	return e, changed, err
}

func (c *configStore) get(svc string) *configEntry {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.entries[svc]
}

func (c *configStore) versions() map[string]state.ConfigVersion {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := map[string]state.ConfigVersion{}
	for k, e := range c.entries {
		out[k] = e.Version()
	}
	return out
}

// config loads every stored service as one configuration. When they do
// not load together, the last good configuration stays in force, and the
// diagnostics say why.
func (c *configStore) config() (*lang.Config, hcl.Diagnostics) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.cached != nil {
		return c.cached, nil
	}
	cfg, diags := c.store.LoadEntries(c.entries)
	if diags.HasErrors() {
		c.broken = diags.Error()
		if c.good == nil {
			return &lang.Config{}, diags
		}
		return c.good, diags
	}
	c.cached, c.good, c.broken = cfg, cfg, ""
	return cfg, diags
}

// brokenWhy says why the stored entries do not load ("" when they do):
// the last good configuration is in force meanwhile.
func (c *configStore) brokenWhy() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.broken
}
