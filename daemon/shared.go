package daemon

import (
	"encoding/json"
	"errors"
	"os"
	"sync"
	"time"

	"github.com/omhcl/omhcl/orchestrate"
)

// ServiceState is the cluster-wide state of a service that operators
// change: frozen, the intent (started, stopped), the preferred node. Every
// node keeps a copy; the highest generation wins (ties: the node name).
type ServiceState struct {
	Frozen    bool               `json:"frozen"`
	Intent    orchestrate.Intent `json:"intent,omitempty"`
	Preferred string             `json:"preferred,omitempty"`
	// Forced is the node an operator's takeover forced while no side held
	// a majority: it starts there without quorum. Cleared by the first
	// node that holds quorum again.
	Forced string `json:"forced,omitempty"`
	Gen    int64  `json:"generation"`
	By     string `json:"by"`
}

func (s ServiceState) newer(o ServiceState) bool {
	if s.Gen != o.Gen {
		return s.Gen > o.Gen
	}
	return s.By > o.By
}

type sharedStates struct {
	path string
	mu   sync.Mutex
	m    map[string]ServiceState
}

func newSharedStates(path string) *sharedStates {
	return &sharedStates{path: path, m: map[string]ServiceState{}}
}

func (s *sharedStates) load() error {
	b, err := os.ReadFile(s.path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return json.Unmarshal(b, &s.m)
}

func (s *sharedStates) get(svc string) ServiceState {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.m[svc]
}

func (s *sharedStates) all() map[string]ServiceState {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]ServiceState, len(s.m))
	for k, v := range s.m {
		out[k] = v
	}
	return out
}

// merge adopts newer states from a peer.
func (s *sharedStates) merge(in map[string]ServiceState) {
	s.mu.Lock()
	changed := false
	for k, v := range in {
		if v.newer(s.m[k]) {
			s.m[k] = v
			changed = true
		}
	}
	s.mu.Unlock()
	if changed {
		s.save()
	}
}

// update changes a service's state locally with a new generation.
func (s *sharedStates) update(svc, by string, f func(*ServiceState)) ServiceState {
	s.mu.Lock()
	st := s.m[svc]
	f(&st)
	// The generation is a hybrid clock: past every generation this node
	// has seen, and past the wall clock in milliseconds. Two sides of a
	// partition that both change the state get different generations, and
	// the later change wins when they merge (a tie on a bare counter let a
	// stale claim win by node name, and the service moved back).
	st.Gen = max(st.Gen+1, time.Now().UnixMilli())
	st.By = by
	s.m[svc] = st
	s.mu.Unlock()
	s.save()
	return st
}

func (s *sharedStates) save() {
	s.mu.Lock()
	b, err := json.MarshalIndent(s.m, "", "  ")
	s.mu.Unlock()
	if err == nil && os.WriteFile(s.path+".tmp", b, 0o600) == nil {
		os.Rename(s.path+".tmp", s.path)
	}
}
