package daemon

import "sync"

// inFlight runs at most one background call per key: peer polls and
// arbitrator probes are started every round, and one that has not
// returned yet (a peer that does not answer) is not started again.
type inFlight struct{ m sync.Map }

// goOnce runs f in a goroutine unless a call for key still runs.
func (f *inFlight) goOnce(key string, fn func()) {
	if _, busy := f.m.LoadOrStore(key, true); busy {
		return
	}
	go func() {
		defer f.m.Delete(key)
		fn()
	}()
}
