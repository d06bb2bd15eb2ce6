package state

import (
	"errors"
	"os"
	"path/filepath"
	"time"
)

// Saved plans carry an id; the node remembers the ids it applied so a plan
// file is never applied twice.

func (s *Store) appliedPlanPath(id string) string {
	return filepath.Join(s.Root, "applied-plans", filepath.Base(id))
}

// PlanApplied reports whether the saved plan id was applied on this node.
func (s *Store) PlanApplied(id string) (bool, time.Time) {
	fi, err := os.Stat(s.appliedPlanPath(id))
	if err != nil {
		return false, time.Time{}
	}
	return true, fi.ModTime()
}

// MarkPlanApplied records that the saved plan id was applied.
func (s *Store) MarkPlanApplied(id string) error {
	if id == "" {
		return errors.New("empty plan id")
	}
	return writeAtomic(s.appliedPlanPath(id), []byte(time.Now().UTC().Format(time.RFC3339)+"\n"))
}
