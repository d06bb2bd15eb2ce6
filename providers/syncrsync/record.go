package syncrsync

import (
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"time"

	"github.com/omhcl/omhcl/internal/atomicfile"
)

// record is what a node remembers of its syncs, per target node.
type record struct {
	Targets map[string]*targetRecord `json:"targets"`
}

// targetRecord is a target's last good sync, and the error of a later
// failed one.
type targetRecord struct {
	Last    time.Time     `json:"last_sync"`
	Bytes   int64         `json:"bytes_sent"`
	Took    time.Duration `json:"took_ns"`
	Error   string        `json:"error,omitempty"`
	ErrorAt time.Time     `json:"error_at,omitzero"`
}

func (r *record) nodes() []string {
	out := make([]string, 0, len(r.Targets))
	for n := range r.Targets {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// last is the oldest of the targets' last good syncs: zero when one never
// got one, or when nothing is recorded.
func (r *record) last() time.Time {
	if len(r.Targets) == 0 {
		return time.Time{}
	}
	oldest := time.Now()
	for _, t := range r.Targets {
		if t.Last.Before(oldest) {
			oldest = t.Last
		}
	}
	return oldest
}

func (d *driver) recordPath() string { return filepath.Join(d.r.StateDir, "syncs.json") }

func (d *driver) load() (*record, error) {
	rec := &record{Targets: map[string]*targetRecord{}}
	if d.r.StateDir == "" {
		return rec, nil
	}
	b, err := os.ReadFile(d.recordPath())
	if errors.Is(err, fs.ErrNotExist) {
		return rec, nil
	}
	if err == nil {
		err = json.Unmarshal(b, rec)
	}
	if rec.Targets == nil {
		rec.Targets = map[string]*targetRecord{}
	}
	return rec, err
}

func (d *driver) save(rec *record) error {
	b, err := json.MarshalIndent(rec, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(d.r.StateDir, 0o700); err != nil {
		return err
	}
	return atomicfile.Write(d.recordPath(), b, 0o600)
}
