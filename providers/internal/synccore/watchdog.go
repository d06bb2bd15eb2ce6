package synccore

import (
	"io"
	"sync"
	"sync/atomic"
	"time"
)

// Watchdog calls abandon once no data has moved through its readers for
// timeout: a target stuck on its disk (or a receiving process stopped)
// keeps its connection alive, and without it a sync would wait for ever,
// holding the resource's lock.
type Watchdog struct {
	last  atomic.Int64
	fired atomic.Bool
	stop  chan struct{}
	once  sync.Once
}

// NewWatchdog starts watching; Stop ends it.
func NewWatchdog(timeout time.Duration, abandon func()) *Watchdog {
	w := &Watchdog{stop: make(chan struct{})}
	w.last.Store(time.Now().UnixNano())
	tick := max(timeout/8, 10*time.Millisecond)
	go func() {
		t := time.NewTicker(tick)
		defer t.Stop()
		for {
			select {
			case <-w.stop:
				return
			case <-t.C:
			}
			if time.Since(time.Unix(0, w.last.Load())) > timeout {
				w.fired.Store(true)
				abandon()
				return
			}
		}
	}()
	return w
}

// Reader counts what r yields as progress.
func (w *Watchdog) Reader(r io.Reader) io.Reader { return progressReader{r, w} }

// Stop ends the watch.
func (w *Watchdog) Stop() { w.once.Do(func() { close(w.stop) }) }

// Fired reports whether the watchdog abandoned the transfer.
func (w *Watchdog) Fired() bool { return w.fired.Load() }

type progressReader struct {
	r io.Reader
	w *Watchdog
}

func (p progressReader) Read(b []byte) (int, error) {
	n, err := p.r.Read(b)
	if n > 0 {
		p.w.last.Store(time.Now().UnixNano())
	}
	return n, err
}
