package daemon

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/omhcl/omhcl/state"
	"github.com/omhcl/omhcl/wire"
)

// A forged generation near 2^63-1 is never merged: the node's next edit
// would overflow to a negative generation and never win again.
func TestSharedStateRefusesAGenerationNearOverflow(t *testing.T) {
	s := newSharedStates(filepath.Join(t.TempDir(), "services.json"))
	s.update("web", "n1", func(st *wire.ServiceState) { st.Frozen = true })
	s.merge(map[string]wire.ServiceState{"web": {Gen: math.MaxInt64, By: "n2"}})
	if st := s.get("web"); !st.Frozen || st.Gen == math.MaxInt64 {
		t.Fatalf("a generation of 2^63-1 was merged: %+v", st)
	}
	before := s.get("web").Gen
	st := s.update("web", "n1", func(st *wire.ServiceState) { st.Frozen = false })
	if st.Gen <= before || st.Gen <= 0 {
		t.Fatalf("the next edit's generation %d is not past %d", st.Gen, before)
	}
	peer := newSharedStates(filepath.Join(t.TempDir(), "services.json"))
	peer.merge(s.all())
	if got := peer.get("web"); got.Gen != st.Gen || got.Frozen {
		t.Fatalf("a peer did not take the edit: %+v", got)
	}
}

// A generation more than state.MaxGenJump past the node's own and its
// clock is refused, once told; within it, a peer's edit is taken.
func TestSharedStateRefusesAFarJump(t *testing.T) {
	s := newSharedStates(filepath.Join(t.TempDir(), "services.json"))
	now := time.UnixMilli(1_700_000_000_000)
	s.now = func() time.Time { return now }
	s.update("web", "n1", func(st *wire.ServiceState) { st.Frozen = true })
	far := wire.ServiceState{Gen: now.UnixMilli() + state.MaxGenJump + 1, By: "n2"}
	if errs := s.merge(map[string]wire.ServiceState{"web": far}); len(errs) != 1 || !s.get("web").Frozen {
		t.Fatalf("a far jump: refusals %v, state %+v", errs, s.get("web"))
	}
	if errs := s.merge(map[string]wire.ServiceState{"web": far}); len(errs) != 0 {
		t.Fatalf("the same refusal told again: %v", errs)
	}
	for _, gen := range []int64{state.MaxConfigGen + 1, math.MaxInt64} {
		if errs := s.merge(map[string]wire.ServiceState{"web": {Gen: gen, By: "n2"}}); len(errs) != 1 || !s.get("web").Frozen {
			t.Fatalf("generation %d: refusals %v, state %+v", gen, errs, s.get("web"))
		}
	}
	// once this node's clock has caught up, the far one is taken
	now = now.Add(time.Duration(state.MaxGenJump+1) * time.Millisecond)
	far.Frozen = false
	if errs := s.merge(map[string]wire.ServiceState{"web": far}); len(errs) != 0 || s.get("web").Frozen {
		t.Fatalf("after the clock caught up: refusals %v, state %+v", errs, s.get("web"))
	}
	// a peer's clock a little ahead: taken at once
	near := wire.ServiceState{Frozen: true, Gen: now.UnixMilli() + state.MaxGenJump, By: "n2"}
	if errs := s.merge(map[string]wire.ServiceState{"web": near}); len(errs) != 0 || !s.get("web").Frozen {
		t.Fatalf("a generation within the jump: refusals %v, state %+v", errs, s.get("web"))
	}
}

// A generation out of range that an older daemon stored counts for
// nothing: a peer's edit replaces it, and a local edit does not overflow.
func TestSharedStateForgetsAStoredGenerationOutOfRange(t *testing.T) {
	path := filepath.Join(t.TempDir(), "services.json")
	if err := os.WriteFile(path, []byte(`{"web": {"frozen": true, "generation": 9223372036854775807, "by": "n9"}, "db": {"frozen": true, "generation": 9223372036854775807, "by": "n9"}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	s := newSharedStates(path)
	if err := s.load(); err != nil {
		t.Fatal(err)
	}
	gen := time.Now().UnixMilli()
	if errs := s.merge(map[string]wire.ServiceState{"web": {Gen: gen, By: "n2"}}); len(errs) != 0 || s.get("web").Frozen {
		t.Fatalf("a peer's edit did not replace the stored generation: %v %+v", errs, s.get("web"))
	}
	if st := s.update("db", "n1", func(st *wire.ServiceState) { st.Frozen = false }); st.Gen < gen || st.Gen > state.MaxConfigGen {
		t.Fatalf("a local edit of the stored generation: %+v", st)
	}
}

// A refused state is logged once, with the peer it came from.
func TestSharedStateRefusalIsLoggedOnce(t *testing.T) {
	var log strings.Builder
	d := &Daemon{opts: Options{Node: "n1", Log: &log}, shared: newSharedStates(filepath.Join(t.TempDir(), "services.json"))}
	forged := map[string]wire.ServiceState{"web": {Gen: math.MaxInt64, By: "n2"}}
	d.mergeShared("n2", forged)
	d.mergeShared("n2", forged)
	if n := strings.Count(log.String(), "from n2: shared state of web by n2 refused: generation 9223372036854775807 is out of range"); n != 1 {
		t.Fatalf("the refusal was logged %d times:\n%s", n, log.String())
	}
}
