package daemon

import (
	"io"
	"sync"
)

// logSink writes the daemon's log lines from a goroutine of its own, so
// that a log call never waits for the disk: under I/O pressure (an
// engine starting, a sync), the kernel can hold a write to the log file
// for seconds, and a line logged under the daemon's lock would stall
// the fence watch and the beacons with it. Lines wait in a queue of
// logQueue; past that, a call waits as it did, and nothing is lost.
type logSink struct {
	w      io.Writer
	lines  chan []byte
	done   chan struct{}
	mu     sync.RWMutex // Close against Write
	closed bool
}

const logQueue = 4096

func newLogSink(w io.Writer) *logSink {
	s := &logSink{w: w, lines: make(chan []byte, logQueue), done: make(chan struct{})}
	go func() {
		defer close(s.done)
		for b := range s.lines {
			s.w.Write(b)
		}
	}()
	return s
}

// Write queues a copy of p (slog reuses its buffer); once the sink is
// closed, it writes p itself.
func (s *logSink) Write(p []byte) (int, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return s.w.Write(p)
	}
	s.lines <- append([]byte(nil), p...)
	return len(p), nil
}

// Close writes what is queued; later lines are written at once.
func (s *logSink) Close() {
	s.mu.Lock()
	if !s.closed {
		s.closed = true
		close(s.lines)
	}
	s.mu.Unlock()
	<-s.done
}
