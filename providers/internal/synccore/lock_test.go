package synccore

import (
	"context"
	"io"
	"strings"
	"testing"
	"time"
)

// A second sync of one resource is refused while one runs, or waits.
func TestOneSyncAtATime(t *testing.T) {
	dir := t.TempDir()
	unlock, err := Lock(context.Background(), dir, "sync#0", false)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Lock(context.Background(), dir, "sync#0", false); err == nil || !strings.Contains(err.Error(), "already runs") {
		t.Errorf("a second lock: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	if _, err := Lock(ctx, dir, "sync#0", true); err == nil {
		t.Error("a waiting lock got it while held")
	}
	unlock()
	again, err := Lock(context.Background(), dir, "sync#0", true)
	if err != nil {
		t.Fatalf("after release: %v", err)
	}
	again()
}

// The watchdog abandons a transfer that stalls, and leaves alone one that
// moves.
func TestWatchdog(t *testing.T) {
	stalled := make(chan struct{})
	w := NewWatchdog(100*time.Millisecond, func() { close(stalled) })
	pr, pw := io.Pipe()
	go func() {
		for range 5 {
			pw.Write([]byte("x"))
			time.Sleep(40 * time.Millisecond)
		}
	}()
	r, buf := w.Reader(pr), make([]byte, 1)
	for range 5 {
		r.Read(buf)
	}
	if w.Fired() {
		t.Fatal("fired while data moved every 40 ms")
	}
	select {
	case <-stalled:
		if !w.Fired() {
			t.Error("abandoned without saying so")
		}
	case <-time.After(2 * time.Second):
		t.Fatal("no data for 2 s and not abandoned")
	}
	w.Stop()
}
