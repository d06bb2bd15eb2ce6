package state

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/omhcl/omhcl/internal/atomicfile"
	"github.com/omhcl/omhcl/internal/names"
)

// ConfigEntry is one service's configuration as nodes keep and exchange
// it: the text with its generation, which increases with every edit, and
// its hash. The cluster's daemons and the agents inside containers keep
// them under ROOT/config; om reads them when /etc/omhcl has no file.
type ConfigEntry struct {
	Service string `json:"service"`
	Gen     int64  `json:"generation"`
	Hash    string `json:"hash"`
	// Origin is the node where this generation was made.
	Origin string `json:"origin"`
	Source string `json:"source"`
}

// ConfigVersion is what nodes compare of a configuration.
type ConfigVersion struct {
	Gen  int64  `json:"generation"`
	Hash string `json:"hash"`
}

// Version is e's generation and hash.
func (e *ConfigEntry) Version() ConfigVersion { return ConfigVersion{e.Gen, e.Hash} }

// Newer reports whether v wins over o: the newest generation, ties broken
// on the hash so that every daemon converges on the same text.
func (v ConfigVersion) Newer(o ConfigVersion) bool {
	if v.Gen != o.Gen {
		return v.Gen > o.Gen
	}
	return v.Hash > o.Hash
}

// HashSource is the hash of a configuration text in entries.
func HashSource(src string) string {
	h := sha256.Sum256([]byte(src))
	return hex.EncodeToString(h[:8])
}

// Generations are checked: no sum overflows (at 2^63-1, +1 wraps to a
// negative generation that never wins again), and no generation far past
// a node's own is taken.
const (
	// MaxConfigGen bounds generations, far below where +1 overflows: an
	// entry past it is refused as forged or corrupt, and a service at it
	// takes no edit.
	MaxConfigGen int64 = 1 << 62
	// MaxGenJump bounds how far past its own generation a node takes one
	// from a peer: a node away while a service was edited a million times
	// is not a real case; a forged jump toward MaxConfigGen is.
	MaxGenJump int64 = 1 << 20
)

// NextGen is the generation after gen, an error past MaxConfigGen.
func NextGen(gen int64) (int64, error) {
	if gen < 0 || gen >= MaxConfigGen {
		return 0, fmt.Errorf("configuration generation %d has no successor (the bound is %d)", gen, MaxConfigGen)
	}
	return gen + 1, nil
}

// CheckJump says why a node holding generation local (0: no copy) refuses
// incoming, more than max past it; nil when it takes it.
func CheckJump(local, incoming, max int64) error {
	if local < 0 || incoming-local > max { // both within [0, MaxConfigGen]: no overflow
		return fmt.Errorf("generation %d is more than %d past this node's %d", incoming, max, local)
	}
	return nil
}

// Check says why e cannot be kept as the configuration of svc: svc is not
// a service name, e is another service's, its generation is out of range,
// or its hash is not its text's.
func (e *ConfigEntry) Check(svc string) error {
	if err := names.CheckService(svc); err != nil {
		return err
	}
	switch {
	case e.Service != svc:
		return fmt.Errorf("the entry stored as %s is of service %q", svc, e.Service)
	case e.Gen < 1 || e.Gen > MaxConfigGen:
		return fmt.Errorf("%s: generation %d is out of range (1 to %d)", svc, e.Gen, MaxConfigGen)
	case HashSource(e.Source) != e.Hash:
		return fmt.Errorf("%s: hash %s is not its text's (%s)", svc, e.Hash, HashSource(e.Source))
	}
	return nil
}

// NewConfigEntry is the entry of src, one generation after prev (nil: the
// first); an error when prev's generation has no successor.
func NewConfigEntry(svc, src, origin string, prev *ConfigEntry) (*ConfigEntry, error) {
	gen := int64(1)
	if prev != nil {
		var err error
		if gen, err = NextGen(prev.Gen); err != nil {
			return nil, fmt.Errorf("%s: %w", svc, err)
		}
	}
	return &ConfigEntry{Service: svc, Gen: gen, Hash: HashSource(src), Origin: origin, Source: src}, nil
}

// ConfigDir holds the kept configurations.
func (s *Store) ConfigDir() string { return filepath.Join(s.Root, "config") }

// ConfigPath is where the configuration of svc is kept; svc must be a
// valid service name (names.CheckService), as every caller checks first.
func (s *Store) ConfigPath(svc string) string { return filepath.Join(s.ConfigDir(), svc+".json") }

// LoadConfigs reads every kept configuration. Those that fail Check
// under their file's name are left out: skipped says why, by that name.
func (s *Store) LoadConfigs() (entries map[string]*ConfigEntry, skipped map[string]error, err error) {
	files, err := filepath.Glob(filepath.Join(s.ConfigDir(), "*.json"))
	if err != nil {
		return nil, nil, err
	}
	entries, skipped = map[string]*ConfigEntry{}, map[string]error{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, nil, err
		}
		svc := strings.TrimSuffix(filepath.Base(f), ".json")
		var e ConfigEntry
		if err := json.Unmarshal(b, &e); err != nil {
			skipped[svc] = fmt.Errorf("%s: %w", f, err)
			continue
		}
		if err := e.Check(svc); err != nil {
			skipped[svc] = fmt.Errorf("%s: %w", f, err)
			continue
		}
		entries[svc] = &e
	}
	return entries, skipped, nil
}

// LoadConfig reads the kept configuration of svc, nil when there is none
// or it fails Check.
func (s *Store) LoadConfig(svc string) *ConfigEntry {
	if names.CheckService(svc) != nil {
		return nil
	}
	b, err := os.ReadFile(s.ConfigPath(svc))
	if err != nil {
		return nil
	}
	var e ConfigEntry
	if json.Unmarshal(b, &e) != nil || e.Check(svc) != nil {
		return nil
	}
	return &e
}

// WriteConfig keeps e, replacing what was kept of its service, once it
// passes Check.
func (s *Store) WriteConfig(e *ConfigEntry) error {
	if err := e.Check(e.Service); err != nil {
		return fmt.Errorf("configuration not kept: %w", err)
	}
	if err := os.MkdirAll(s.ConfigDir(), 0o700); err != nil {
		return err
	}
	b, err := json.MarshalIndent(e, "", "  ")
	if err != nil {
		return err
	}
	return atomicfile.Write(s.ConfigPath(e.Service), b, 0o600)
}
