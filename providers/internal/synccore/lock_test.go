package synccore

import (
	"context"
	"errors"
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

// A target that failed is tried again an interval after the failure, not
// at once: the schedule reads the last attempt.
func TestLastIsTheLastAttempt(t *testing.T) {
	now := time.Now().UTC()
	r := &Record{Targets: map[string]*Target{
		"n2": {Last: now.Add(-2 * time.Hour), Error: "out of space", ErrorAt: now.Add(-time.Minute)},
		"n3": {Last: now.Add(-5 * time.Minute)},
	}}
	if got := r.Last(); !got.Equal(now.Add(-5 * time.Minute)) {
		t.Errorf("Last = %s, want n3's sync 5 min ago (n2 failed 1 min ago)", now.Sub(got))
	}
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

// A failure's cause is kept on one line: the status tree shows it.
func TestFailureOnOneLine(t *testing.T) {
	var tr Target
	tr.Failed(errors.New("rsync: exit 10: write error\nrsync error: error in socket IO"))
	if strings.Contains(tr.Error, "\n") || !strings.Contains(tr.Error, "write error rsync error") {
		t.Errorf("cause %q", tr.Error)
	}
}
