package state

import (
	"fmt"
	"maps"
	"path/filepath"
	"slices"

	"github.com/hashicorp/hcl/v2"
	"github.com/omhcl/omhcl/lang"
)

// The kept configurations are in force together: an entry is kept only if
// it declares its service alone and loads with the others. The daemon's
// store checks every entry so before it keeps it; om, on a node whose
// configuration directory has none, loads what LoadTogether keeps.

// ConfigFile is the name the entry of svc loads under, in diagnostics.
func (s *Store) ConfigFile(svc string) string { return filepath.Join(s.ConfigDir(), svc+".hcl") }

// LoadEntries loads entries (by service) as one configuration, each under
// its ConfigFile.
func (s *Store) LoadEntries(entries map[string]*ConfigEntry) (*lang.Config, hcl.Diagnostics) {
	files := make(map[string][]byte, len(entries))
	for k, e := range entries {
		files[s.ConfigFile(k)] = []byte(e.Source)
	}
	return lang.LoadFiles(files)
}

// LoadsWith checks that e, as the entry of svc, declares svc alone and
// loads together with others (e in place of their entry of svc), and
// returns them loaded.
func (s *Store) LoadsWith(others map[string]*ConfigEntry, svc string, e *ConfigEntry) (*lang.Config, error) {
	next := make(map[string]*ConfigEntry, len(others)+1)
	for k, o := range others {
		next[k] = o
	}
	next[svc] = e
	cfg, diags := s.LoadEntries(next)
	if diags.HasErrors() {
		return nil, fmt.Errorf("does not load with the node's other services: %s", diags.Error())
	}
	var declared []string
	for _, d := range cfg.Services {
		if d.Range.Filename == s.ConfigFile(svc) {
			declared = append(declared, d.Name)
		}
	}
	if len(declared) != 1 || declared[0] != svc {
		return nil, fmt.Errorf("the entry of %s declares the services %q: it must declare %s alone", svc, declared, svc)
	}
	return cfg, nil
}

// LeftOut is a kept entry that passed its checks but does not load with
// the others, and why.
type LeftOut struct {
	Entry *ConfigEntry
	Why   error
}

// LoadTogether reads the kept configurations as LoadConfigs does, and
// keeps those that load together: all of them when they do, else, one by
// one in name order, each that loads with those kept before it. skipped
// says why an entry failed its checks; leftOut are the others left out.
func (s *Store) LoadTogether() (entries map[string]*ConfigEntry, skipped map[string]error, leftOut map[string]LeftOut, err error) {
	all, skipped, err := s.LoadConfigs()
	if err != nil {
		return nil, nil, nil, err
	}
	if _, diags := s.LoadEntries(all); !diags.HasErrors() {
		return all, skipped, nil, nil
	}
	entries, leftOut = map[string]*ConfigEntry{}, map[string]LeftOut{}
	for _, name := range slices.Sorted(maps.Keys(all)) {
		if _, err := s.LoadsWith(entries, name, all[name]); err != nil {
			leftOut[name] = LeftOut{all[name], err}
			continue
		}
		entries[name] = all[name]
	}
	return entries, skipped, leftOut, nil
}

// ConfigSources returns the text of each configuration LoadTogether keeps
// (what the cluster distributed to this node), by ConfigFile, for
// commands run on a node whose own configuration directory has none; nil
// when the kept configurations cannot be read.
func (s *Store) ConfigSources() map[string][]byte {
	entries, _, _, err := s.LoadTogether()
	if err != nil {
		return nil
	}
	out := map[string][]byte{}
	for name, e := range entries {
		out[s.ConfigFile(name)] = []byte(e.Source)
	}
	return out
}
