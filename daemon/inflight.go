package daemon

import "sync"

// inFlight bounds the background calls per key: peer polls and
// arbitrator probes are started every round, and a call that has not
// returned yet (a peer that does not answer) counts against its key.
type inFlight struct {
	mu sync.Mutex
	n  map[string]int
}

// goOnce runs fn in a goroutine unless a call for key still runs.
func (f *inFlight) goOnce(key string, fn func()) { f.goUpTo(key, 1, fn) }

// goUpTo runs fn in a goroutine unless limit calls for key still run.
func (f *inFlight) goUpTo(key string, limit int, fn func()) {
	f.mu.Lock()
	if f.n == nil {
		f.n = map[string]int{}
	}
	if f.n[key] >= limit {
		f.mu.Unlock()
		return
	}
	f.n[key]++
	f.mu.Unlock()
	go func() {
		defer func() {
			f.mu.Lock()
			f.n[key]--
			f.mu.Unlock()
		}()
		fn()
	}()
}
