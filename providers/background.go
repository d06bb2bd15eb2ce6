package providers

import (
	"sync"
	"time"
)

// Background work is what a driver leaves running after its call
// returned, so as not to hold up what comes next: the second announcement
// of an address, 50 ms after the first. A daemon lives on; a command
// waits for it before it exits (WaitBackground), or it would be lost.
var background sync.WaitGroup

// Go runs f as background work.
func Go(f func()) { background.Go(f) }

// WaitBackground waits for the background work, for at most max.
func WaitBackground(max time.Duration) {
	done := make(chan struct{})
	go func() { background.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(max):
	}
}
