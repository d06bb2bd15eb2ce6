package app

import (
	"context"
	"syscall"
	"testing"
	"time"

	"github.com/omhcl/omhcl/providers"
)

// A monitored app's death is told at once, without a poll: the driver
// watches the recorded process, and the next one once started again.
func TestSimpleEventsTellTheAppsDeath(t *testing.T) {
	r := testResource(t, "simple", map[string]string{"start": "sleep 1000"})
	d := newTestDriver(t, r)
	startSimple(t, d)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	changed := make(chan struct{}, 10)
	ended := make(chan error, 1)
	go func() {
		ended <- d.(providers.EventSource).Events(ctx, func() {
			select { // changed must not block
			case changed <- struct{}{}:
			default:
			}
		})
	}()

	time.Sleep(100 * time.Millisecond)
	select {
	case <-changed:
		t.Fatal("a change told while the app runs")
	default:
	}
	kill := func() time.Time {
		pf := pidFile(t, r)
		at := time.Now()
		if err := syscall.Kill(pf.Pid, syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		return at
	}
	for range 2 {
		at := kill()
		select {
		case <-changed:
			if took := time.Since(at); took > 500*time.Millisecond {
				t.Errorf("death told %s after the kill", took)
			}
		case <-time.After(3 * time.Second):
			t.Fatal("the app's death was not told")
		}
		// Started again: the watch follows the new process, once it
		// looks at the pid file again.
		startSimple(t, d)
		time.Sleep(notRunningRecheck + 200*time.Millisecond)
	}
	cancel()
	select {
	case err := <-ended:
		if err != nil {
			t.Errorf("Events after its context ended: %v", err)
		}
	case <-time.After(time.Second):
		t.Fatal("Events does not return when its context ends")
	}
}
