package synccore

import (
	"context"
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
