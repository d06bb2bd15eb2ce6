package state

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// The actions on each service on this node, for om SVC logs: one JSON
// object a line in services/SVC/actions.jsonl, the newest last, bounded
// to the last MaxActions. Whatever applies steps to a service records
// them (package apply): omapply, om SVC start and stop, the daemon.

// MaxActions is how many actions a service's record keeps.
const MaxActions = 200

// maxActionError bounds the error an action keeps (a driver's output).
const maxActionError = 2000

// Action is one apply of steps to a service on this node.
type Action struct {
	Time    time.Time `json:"time"` // when it began
	Node    string    `json:"node"`
	Service string    `json:"service"`
	// By is who asked: the command line of om or omapply, or the daemon
	// with its decision and why.
	By string `json:"by"`
	// Steps are the steps applied, in order: "start ip#web".
	Steps   []string `json:"steps"`
	Outcome string   `json:"outcome"` // ok, failed
	// Failed is the rid whose step failed, Error why; RolledBack the
	// resources stopped again after it.
	Failed     string   `json:"failed,omitempty"`
	Error      string   `json:"error,omitempty"`
	RolledBack []string `json:"rolled_back,omitempty"`
	// Warnings are failures of optional resources.
	Warnings []string `json:"warnings,omitempty"`
	Seconds  float64  `json:"seconds"`
}

func (s *Store) actionsPath(svc string) string {
	return filepath.Join(s.ServiceDir(svc), "actions.jsonl")
}

// RecordAction appends a to its service's record, dropping the oldest
// beyond MaxActions. The caller holds the service's lock (apply does).
func (s *Store) RecordAction(a Action) error {
	if !serviceName.MatchString(a.Service) {
		return fmt.Errorf("invalid service name %q", a.Service)
	}
	if len(a.Error) > maxActionError {
		a.Error = a.Error[:maxActionError] + "... (cut)"
	}
	lines, err := s.actionLines(a.Service)
	if err != nil {
		lines = nil // a torn or corrupt record starts again
	}
	b, err := json.Marshal(a)
	if err != nil {
		return err
	}
	lines = append(lines, b)
	if len(lines) > MaxActions {
		lines = lines[len(lines)-MaxActions:]
	}
	return writeAtomic(s.actionsPath(a.Service), append(bytes.Join(lines, []byte("\n")), '\n'))
}

// Actions returns the recorded actions of svc, oldest first.
func (s *Store) Actions(svc string) ([]Action, error) {
	if !serviceName.MatchString(svc) {
		return nil, fmt.Errorf("invalid service name %q", svc)
	}
	lines, err := s.actionLines(svc)
	if err != nil {
		return nil, err
	}
	out := make([]Action, 0, len(lines))
	for i, l := range lines {
		var a Action
		if err := json.Unmarshal(l, &a); err != nil {
			return nil, fmt.Errorf("%s, line %d: %w", s.actionsPath(svc), i+1, err)
		}
		out = append(out, a)
	}
	return out, nil
}

func (s *Store) actionLines(svc string) ([][]byte, error) {
	f, err := os.Open(s.actionsPath(svc))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var lines [][]byte
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64*1024), 4*1024*1024)
	for sc.Scan() {
		if l := bytes.TrimSpace(sc.Bytes()); len(l) > 0 {
			lines = append(lines, bytes.Clone(l))
		}
	}
	return lines, sc.Err()
}
