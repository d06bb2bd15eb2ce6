package transport

import (
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/crypto/ssh"
)

// keepaliveRequest is the global request each end sends to prove the
// other still answers; both ends answer it (false: it is unknown to
// them, and any answer will do).
const keepaliveRequest = "keepalive@omhcl"

// keepAlive calls dead once the peer of c has answered none of the
// keepalive requests sent every quarter of timeout for timeout. A node
// that died (its power off, its link cut) sends no reset: TCP alone would
// wait about 15 minutes for data it never acknowledges, and for ever for
// data it never sends, with a sync stuck on it. stop ends the watch.
func keepAlive(c ssh.Conn, timeout time.Duration, dead func()) (stop func()) {
	if timeout <= 0 {
		return func() {}
	}
	var last atomic.Int64
	var pending atomic.Bool
	last.Store(time.Now().UnixNano())
	done := make(chan struct{})
	go func() {
		tick := time.NewTicker(timeout / 4)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-tick.C:
			}
			if time.Since(time.Unix(0, last.Load())) > timeout {
				dead()
				return
			}
			// one request in flight at a time: its answer may queue
			// behind the data sent before it
			if pending.CompareAndSwap(false, true) {
				go func() {
					defer pending.Store(false)
					if _, _, err := c.SendRequest(keepaliveRequest, true, nil); err == nil {
						last.Store(time.Now().UnixNano())
					}
				}()
			}
		}
	}()
	var once sync.Once
	return func() { once.Do(func() { close(done) }) }
}
