package daemon

import (
	"encoding/json"
	"maps"
	"os"
	"slices"
	"sync"
	"time"

	"github.com/omhcl/omhcl/internal/atomicfile"
)

// vouchedDown are the members an operator vouched down: `om SVC takeover
// --force` on a node that lost the majority, its site left alone (a
// disaster-recovery node). They do not count toward this node's quorum
// until it sees them alive again; then they count again, and the cluster
// decides as before. Kept on disk: a daemon restarted on the surviving
// site must not fence what the operator started there.
type vouchedDown struct {
	path string
	mu   sync.Mutex
	m    map[string]time.Time // node -> when vouched
}

func newVouchedDown(path string) *vouchedDown {
	v := &vouchedDown{path: path, m: map[string]time.Time{}}
	if b, err := os.ReadFile(path); err == nil && json.Unmarshal(b, &v.m) != nil {
		v.m = map[string]time.Time{} // unreadable: nobody vouched
	}
	return v
}

// add vouches nodes down.
func (v *vouchedDown) add(nodes []string) {
	v.mu.Lock()
	defer v.mu.Unlock()
	for _, n := range nodes {
		v.m[n] = time.Now().UTC()
	}
	v.save()
}

// has reports whether node is vouched down (a daemon built without the
// set, in tests, has none).
func (v *vouchedDown) has(node string) bool {
	if v == nil {
		return false
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	_, ok := v.m[node]
	return ok
}

// seen forgets node's vouch, once it is alive again; true when it had one.
func (v *vouchedDown) seen(node string) bool {
	if v == nil {
		return false
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	if _, ok := v.m[node]; !ok {
		return false
	}
	delete(v.m, node)
	v.save()
	return true
}

// nodes are the nodes vouched down, sorted.
func (v *vouchedDown) nodes() []string {
	v.mu.Lock()
	defer v.mu.Unlock()
	return slices.Sorted(maps.Keys(v.m))
}

// save writes the set; under mu.
func (v *vouchedDown) save() {
	if len(v.m) == 0 {
		os.Remove(v.path)
		return
	}
	if b, err := json.MarshalIndent(v.m, "", "  "); err == nil {
		atomicfile.Write(v.path, b, 0o600)
	}
}
