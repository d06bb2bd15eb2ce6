package encap

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/omhcl/omhcl/internal/atomicfile"
	"github.com/omhcl/omhcl/plan"
	"github.com/omhcl/omhcl/providers"
)

// errorMaxAge bounds the reuse of a status that is an error.
const errorMaxAge = 5 * time.Second

// cacheEntry is a status kept for the container it came from.
type cacheEntry struct {
	Container string            `json:"container_identity"`
	Status    *plan.EncapStatus `json:"status"`
}

func (a *Agents) cachePath(h plan.EncapHost) string {
	return filepath.Join(a.Store.ServiceDir(h.Service), "encap", h.Container+"@"+h.Node+".json")
}

// cached returns the kept status of h when it is recent and from the same
// container (a restarted container brings a new level).
func (a *Agents) cached(h plan.EncapHost, identity string) *plan.EncapStatus {
	if a.Store == nil || identity == "" {
		return nil
	}
	b, err := os.ReadFile(a.cachePath(h))
	if err != nil {
		return nil
	}
	var e cacheEntry
	if json.Unmarshal(b, &e) != nil || e.Status == nil || e.Container != identity {
		return nil
	}
	maxAge := a.MaxAge
	if maxAge == 0 {
		maxAge = DefaultMaxAge
	}
	if a.MonitoredMaxAge > 0 && monitored(e.Status.Instance) {
		maxAge = a.MonitoredMaxAge
	}
	if e.Status.Error != "" { // a paused container, an agent replaced: soon asked again
		maxAge = min(maxAge, errorMaxAge)
	}
	if age := time.Since(e.Status.CheckedAt); age < 0 || age > maxAge {
		return nil
	}
	return e.Status
}

func (a *Agents) save(h plan.EncapHost, identity string, st *plan.EncapStatus) {
	if a.Store == nil || identity == "" {
		return
	}
	b, err := json.Marshal(cacheEntry{Container: identity, Status: st})
	if err != nil {
		return
	}
	p := a.cachePath(h)
	if os.MkdirAll(filepath.Dir(p), 0o700) == nil {
		atomicfile.Write(p, b, 0o600)
	}
}

// Forget drops the kept status of h: the next status asks its agent
// (the daemon refused the newer configuration the kept one carries: the
// agent's next status puts the node's back).
func (a *Agents) Forget(h plan.EncapHost) { a.forget(h) }

// forget drops the kept status of h: an action changes the level.
func (a *Agents) forget(h plan.EncapHost) {
	if a.Store != nil {
		os.Remove(a.cachePath(h))
	}
}

// identity names the running container behind x: its engine id and its
// init pid, which changes when the container restarts (and brings a new
// level). "" when the driver exposes neither: nothing is cached.
func identity(ctx context.Context, x providers.Executor) string {
	d, ok := x.(providers.Driver)
	if !ok {
		return ""
	}
	ex := d.Exposed(ctx)
	var id []string
	for _, k := range []string{"container_id", "pid"} {
		if v, ok := ex[k]; ok && v.IsKnown() && !v.IsNull() {
			id = append(id, k+"="+v.GoString())
		}
	}
	return strings.Join(id, " ")
}

// monitored reports whether the level runs monitored resources.
func monitored(li *plan.LiveInstance) bool {
	if li == nil {
		return false
	}
	for _, r := range li.Resources {
		if r.Monitor && r.Skipped == "" {
			return true
		}
	}
	return false
}
