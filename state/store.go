// Package state keeps what a node remembers between runs, under one root
// directory (default /var/lib/omhcl): per service, the provisioned flag and
// the configuration each resource was last applied with, a lock, and the
// drivers' private directories.
//
// Every write is a whole-file replace through rename, so a kill -9 at any
// point leaves either the old or the new record, never a torn one.
package state

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/omhcl/omhcl/internal/atomicfile"
	"github.com/omhcl/omhcl/internal/names"
)

// DefaultRoot is the state directory when neither a flag nor
// OMHCL_STATE_DIR says otherwise.
const DefaultRoot = "/var/lib/omhcl"

// Store is a node's state directory.
type Store struct{ Root string }

// Open returns the store at root ("" = $OMHCL_STATE_DIR or DefaultRoot).
func Open(root string) *Store {
	if root == "" {
		root = os.Getenv("OMHCL_STATE_DIR")
	}
	if root == "" {
		root = DefaultRoot
	}
	return &Store{Root: root}
}

// Record is what the node remembers of one service.
type Record struct {
	Service string `json:"service"`
	// Generation increases with every saved change.
	Generation int64                      `json:"generation"`
	Frozen     bool                       `json:"frozen,omitempty"`
	Resources  map[string]*ResourceRecord `json:"resources"`
}

// ResourceRecord is what the node remembers of one resource.
type ResourceRecord struct {
	Kind        string `json:"kind"`
	Type        string `json:"type"`
	Name        string `json:"name"`
	Provisioned bool   `json:"provisioned"`
	// Applied holds the attributes the resource was last started with
	// (ctyjson-encoded object with its type), nil when it was stopped or
	// never started by the engine. It lets a later plan stop the old
	// resource when the configuration changed or lost it.
	Applied json.RawMessage `json:"applied,omitempty"`
}

// Resource returns the record of rid, creating an empty one.
func (r *Record) Resource(rid string) *ResourceRecord {
	if r.Resources == nil {
		r.Resources = map[string]*ResourceRecord{}
	}
	rr, ok := r.Resources[rid]
	if !ok {
		kind, name, _ := strings.Cut(rid, "#")
		rr = &ResourceRecord{Kind: kind, Name: name}
		r.Resources[rid] = rr
	}
	return rr
}

var serviceName = names.Pattern

// ServiceDir is the directory of a service's state.
func (s *Store) ServiceDir(svc string) string {
	return filepath.Join(s.Root, "services", svc)
}

// ResourceDir is the private directory of a resource's driver.
func (s *Store) ResourceDir(svc, rid string) string {
	return filepath.Join(s.ServiceDir(svc), "resources", strings.ReplaceAll(rid, "#", "_"))
}

func (s *Store) recordPath(svc string) string {
	return filepath.Join(s.ServiceDir(svc), "record.json")
}

// Load returns the record of svc; an empty one when none was saved.
func (s *Store) Load(svc string) (*Record, error) {
	if !serviceName.MatchString(svc) {
		return nil, fmt.Errorf("invalid service name %q", svc)
	}
	rec := &Record{Service: svc, Resources: map[string]*ResourceRecord{}}
	b, err := os.ReadFile(s.recordPath(svc))
	if errors.Is(err, os.ErrNotExist) {
		return rec, nil
	}
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(b, rec); err != nil {
		return nil, fmt.Errorf("state of service %s: %s is corrupt: %w", svc, s.recordPath(svc), err)
	}
	if rec.Resources == nil {
		rec.Resources = map[string]*ResourceRecord{}
	}
	return rec, nil
}

// Save writes rec atomically and bumps its generation.
func (s *Store) Save(rec *Record) error {
	rec.Generation++
	b, err := json.MarshalIndent(rec, "", "  ")
	if err != nil {
		return err
	}
	return writeAtomic(s.recordPath(rec.Service), b)
}

// Services lists the services that have a record on this node.
func (s *Store) Services() ([]string, error) {
	ents, err := os.ReadDir(filepath.Join(s.Root, "services"))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []string
	for _, e := range ents {
		if _, err := os.Stat(s.recordPath(e.Name())); err == nil {
			out = append(out, e.Name())
		}
	}
	sort.Strings(out)
	return out, nil
}

func writeAtomic(path string, b []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	return atomicfile.Write(path, b, 0o600)
}
