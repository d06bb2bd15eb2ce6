package syncrecord

import (
	"errors"
	"strings"
	"testing"
	"time"
)

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

// A failure's cause is kept on one line: the status tree shows it.
func TestFailureOnOneLine(t *testing.T) {
	var tr Target
	tr.Failed(errors.New("rsync: exit 10: write error\nrsync error: error in socket IO"))
	if strings.Contains(tr.Error, "\n") || !strings.Contains(tr.Error, "write error rsync error") {
		t.Errorf("cause %q", tr.Error)
	}
}
