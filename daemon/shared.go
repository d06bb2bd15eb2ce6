package daemon

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/omhcl/omhcl/state"
	"github.com/omhcl/omhcl/wire"
)

// newerState says whether s wins over o: the highest generation, ties
// broken on the node name (wire.ServiceState).
func newerState(s, o wire.ServiceState) bool {
	if s.Gen != o.Gen {
		return s.Gen > o.Gen
	}
	return s.By > o.By
}

// sharedStates is this node's copy of every service's cluster-wide state
// (wire.ServiceState), kept in a file, merged from its peers' reports.
type sharedStates struct {
	path string
	mu   sync.Mutex
	m    map[string]wire.ServiceState
	// refused is the generation last refused per service: a peer
	// reporting it at every poll is told once.
	refused map[string]int64
	now     func() time.Time // time.Now; tests move it
}

// Shared generations are checked as configuration generations are
// (state.CheckJump): none is taken past state.MaxConfigGen, where +1
// is far from overflowing, nor more than state.MaxGenJump past the
// node's own generation or wall clock in milliseconds, the base a local
// edit starts from. At about 17 minutes, a peer whose clock runs that
// far ahead has its edits taken once this node's clock catches up; a
// forged generation near 2^63-1, which no local edit could ever pass
// again, is never taken.
func checkSharedGen(local, incoming int64, now time.Time) error {
	if incoming < 0 || incoming > state.MaxConfigGen {
		return fmt.Errorf("generation %d is out of range (0 to %d)", incoming, state.MaxConfigGen)
	}
	return state.CheckJump(max(saneGen(local), now.UnixMilli()), incoming, state.MaxGenJump)
}

// saneGen is gen, or 0 when it is out of range: a generation an older
// daemon took from a forged report counts for nothing, so the next edit,
// local or a peer's, replaces it.
func saneGen(gen int64) int64 {
	if gen < 0 || gen > state.MaxConfigGen {
		return 0
	}
	return gen
}

func newSharedStates(path string) *sharedStates {
	return &sharedStates{path: path, m: map[string]wire.ServiceState{}, refused: map[string]int64{}, now: time.Now}
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

func (s *sharedStates) get(svc string) wire.ServiceState {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.m[svc]
}

func (s *sharedStates) all() map[string]wire.ServiceState {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]wire.ServiceState, len(s.m))
	for k, v := range s.m {
		out[k] = v
	}
	return out
}

// merge adopts newer states from a peer, unless their generation is out
// of range or jumps too far (checkSharedGen). It returns why it refused
// those it had not refused already, for the caller to log once.
func (s *sharedStates) merge(in map[string]wire.ServiceState) []error {
	s.mu.Lock()
	changed := false
	var refused []error
	now := s.now()
	for k, v := range in {
		cur := s.m[k]
		local := cur
		local.Gen = saneGen(cur.Gen)
		if !newerState(v, local) {
			continue
		}
		if err := checkSharedGen(cur.Gen, v.Gen, now); err != nil {
			if s.refused[k] != v.Gen {
				s.refused[k] = v.Gen
				refused = append(refused, fmt.Errorf("shared state of %s by %s refused: %w", k, v.By, err))
			}
			continue
		}
		delete(s.refused, k)
		s.m[k] = v
		changed = true
	}
	s.mu.Unlock()
	if changed {
		s.save()
	}
	return refused
}

// mergeShared adopts the newer states a peer reported, and logs once
// each one it refuses (merge).
func (d *Daemon) mergeShared(peer string, in map[string]wire.ServiceState) {
	for _, err := range d.shared.merge(in) {
		d.warnf("from %s: %v", peer, err)
	}
}

// update changes a service's state locally with a new generation.
func (s *sharedStates) update(svc, by string, f func(*wire.ServiceState)) wire.ServiceState {
	s.mu.Lock()
	st := s.m[svc]
	f(&st)
	// The generation is a hybrid clock: past every generation this node
	// has seen, and past the wall clock in milliseconds. Two sides of a
	// partition that both change the state get different generations, and
	// the later change wins when they merge (a tie on a bare counter let a
	// stale claim win by node name, and the service moved back). Merges
	// keep every generation within range (checkSharedGen), so +1 cannot
	// overflow; one out of range that an older daemon stored is forgotten.
	st.Gen = max(saneGen(st.Gen)+1, s.now().UnixMilli())
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
