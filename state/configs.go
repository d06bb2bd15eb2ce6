package state

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"

	"github.com/omhcl/omhcl/internal/atomicfile"
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

// NewConfigEntry is the entry of src, one generation after prev (nil: the
// first).
func NewConfigEntry(svc, src, origin string, prev *ConfigEntry) *ConfigEntry {
	gen := int64(1)
	if prev != nil {
		gen = prev.Gen + 1
	}
	return &ConfigEntry{Service: svc, Gen: gen, Hash: HashSource(src), Origin: origin, Source: src}
}

// ConfigDir holds the kept configurations.
func (s *Store) ConfigDir() string { return filepath.Join(s.Root, "config") }

// ConfigPath is where the configuration of svc is kept.
func (s *Store) ConfigPath(svc string) string { return filepath.Join(s.ConfigDir(), svc+".json") }

// LoadConfigs reads every kept configuration; unreadable ones are skipped.
func (s *Store) LoadConfigs() (map[string]*ConfigEntry, error) {
	files, err := filepath.Glob(filepath.Join(s.ConfigDir(), "*.json"))
	if err != nil {
		return nil, err
	}
	out := map[string]*ConfigEntry{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		var e ConfigEntry
		if json.Unmarshal(b, &e) == nil && e.Service != "" {
			out[e.Service] = &e
		}
	}
	return out, nil
}

// LoadConfig reads the kept configuration of svc, nil when there is none.
func (s *Store) LoadConfig(svc string) *ConfigEntry {
	b, err := os.ReadFile(s.ConfigPath(svc))
	if err != nil {
		return nil
	}
	var e ConfigEntry
	if json.Unmarshal(b, &e) != nil || e.Service != svc {
		return nil
	}
	return &e
}

// WriteConfig keeps e, replacing what was kept of its service.
func (s *Store) WriteConfig(e *ConfigEntry) error {
	if err := os.MkdirAll(s.ConfigDir(), 0o700); err != nil {
		return err
	}
	b, err := json.MarshalIndent(e, "", "  ")
	if err != nil {
		return err
	}
	return atomicfile.Write(s.ConfigPath(e.Service), b, 0o600)
}
