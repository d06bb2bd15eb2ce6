// Package executortest checks what every container driver's Executor
// must do, against the driver's real engine: the tests of each driver
// call it on a container of theirs.
package executortest

import (
	"context"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/omhcl/omhcl/providers"
)

// OutputIsBounded runs, in ex's running container, a command that prints
// 100 MB on stdout, then on stderr: each Exec must fail within seconds,
// naming the stream, the cap and every string of also, the node having
// kept no more than the cap. One that prints exactly the cap is read
// whole.
func OutputIsBounded(t *testing.T, ctx context.Context, ex providers.Executor, also ...string) {
	t.Helper()
	for _, c := range []struct{ stream, redirect string }{{"stdout", " 2>/dev/null"}, {"stderr", " >&2 2>/dev/null"}} {
		t.Run(c.stream, func(t *testing.T) {
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			begin := time.Now()
			out, errOut, _, err := ex.Exec(ctx, []string{"sh", "-c", "dd if=/dev/zero bs=1M count=100" + c.redirect})
			took := time.Since(begin)
			runtime.ReadMemStats(&after)
			alloc := after.TotalAlloc - before.TotalAlloc
			t.Logf("100 MB on %s: %v after %s, %d MB allocated", c.stream, err, took.Round(time.Millisecond), alloc>>20)
			if err == nil || !strings.Contains(err.Error(), "wrote "+c.stream+" over 1 MiB: stopped") || !containsAll(err.Error(), also) {
				t.Errorf("100 MB on %s: err %v; want the cap named, with %q", c.stream, err, also)
			}
			if out != nil || errOut != nil {
				t.Errorf("output kept: %d and %d bytes", len(out), len(errOut))
			}
			if alloc > 16<<20 || took > 10*time.Second {
				t.Errorf("100 MB on %s cost %d MB of allocations and %s: want the node to stop at the cap", c.stream, alloc>>20, took)
			}
		})
	}
	out, _, code, err := ex.Exec(ctx, []string{"sh", "-c", "dd if=/dev/zero bs=1024 count=1024 2>/dev/null"})
	if err != nil || code != 0 || len(out) != providers.ExecOutputMax {
		t.Errorf("exactly 1 MiB: %d bytes, exit %d, %v", len(out), code, err)
	}
}

func containsAll(s string, subs []string) bool {
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			return false
		}
	}
	return true
}
