// Package syncrecord is what a node remembers of a sync resource's syncs,
// per target node: syncs.json in the resource's state directory. The sync
// drivers write it (providers/internal/synccore); the daemon reads it for
// its sync events and metrics: one file format, one definition.
package syncrecord

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/omhcl/omhcl/internal/atomicfile"
)

// DefaultMaxDelay is a sync resource's max_delay when it sets none: a
// last good sync older than this is a warning.
const DefaultMaxDelay = 2 * time.Hour

// Record is what a node remembers of a sync resource's syncs, per target
// node, in the resource's state directory.
type Record struct {
	Targets map[string]*Target `json:"targets"`
	dir     string
}

// Target is a target's last good sync, and the error of a later failed
// one. Snapshots are the last snapshot each source reached the target
// with (sync.btrfs: the parent of the next incremental send).
type Target struct {
	Last      time.Time     `json:"last_sync"`
	Bytes     int64         `json:"bytes_sent"`
	Took      time.Duration `json:"took_ns"`
	Error     string        `json:"error,omitempty"`
	ErrorAt   time.Time     `json:"error_at,omitzero"`
	Snapshots []string      `json:"snapshots,omitempty"`
}

func recordPath(dir string) string { return filepath.Join(dir, "syncs.json") }

// Load reads the record kept in dir (empty when none).
func Load(dir string) (*Record, error) {
	rec := &Record{Targets: map[string]*Target{}, dir: dir}
	if dir == "" {
		return rec, nil
	}
	b, err := os.ReadFile(recordPath(dir))
	if errors.Is(err, fs.ErrNotExist) {
		return rec, nil
	}
	if err == nil {
		err = json.Unmarshal(b, rec)
	}
	if rec.Targets == nil {
		rec.Targets = map[string]*Target{}
	}
	if err != nil {
		err = fmt.Errorf("sync record %s: %w", recordPath(dir), err)
	}
	return rec, err
}

// Save writes the record back where it was loaded from.
func (r *Record) Save() error {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(r.dir, 0o700); err != nil {
		return err
	}
	return atomicfile.Write(recordPath(r.dir), b, 0o600)
}

// Of is node's target record, created empty when none.
func (r *Record) Of(node string) *Target {
	t := r.Targets[node]
	if t == nil {
		t = &Target{}
		r.Targets[node] = t
	}
	return t
}

// Succeeded records a good sync begun at begin.
func (t *Target) Succeeded(begin time.Time, sent int64) {
	t.Last, t.Bytes, t.Took, t.Error, t.ErrorAt = begin.UTC(), sent, time.Since(begin), "", time.Time{}
}

// Failed records a failed sync, the last good one kept; its cause on one
// line (rsync's errors span several), as the status tree shows it.
func (t *Target) Failed(err error) {
	t.Error, t.ErrorAt = strings.Join(strings.Fields(err.Error()), " "), time.Now().UTC()
}

// Nodes are the targets recorded, sorted.
func (r *Record) Nodes() []string {
	out := make([]string, 0, len(r.Targets))
	for n := range r.Targets {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// LastSync is the oldest of the targets' last sync attempts kept in
// dir (see Last).
func LastSync(dir string) time.Time {
	rec, err := Load(dir)
	if err != nil {
		return time.Time{}
	}
	return rec.Last()
}

// Last is the oldest of the targets' last sync attempts, good or failed:
// the schedule tries a target again an interval after its last try, not
// at once after a failure (a target out of space was sent the whole copy
// again every round). Zero when nothing is recorded.
func (r *Record) Last() time.Time {
	if len(r.Targets) == 0 {
		return time.Time{}
	}
	oldest := time.Now()
	for _, t := range r.Targets {
		tried := t.Last
		if t.ErrorAt.After(tried) {
			tried = t.ErrorAt
		}
		if tried.Before(oldest) {
			oldest = tried
		}
	}
	return oldest
}
