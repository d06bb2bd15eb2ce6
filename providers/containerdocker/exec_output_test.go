package containerdocker

import (
	"context"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/omhcl/omhcl/providers"
	"github.com/zclconf/go-cty/cty"
)

// A command that prints 100 MB fails its Exec, the node having kept no
// more than the cap of it; one that prints exactly the cap is read whole.
func TestExecOutputIsBounded(t *testing.T) {
	l := newLab(t, "docker", dockerSocket)
	d := l.driver(l.resource("x", map[string]cty.Value{"command": cmd("sleep", "300"), "stop_timeout": cty.StringVal("0s")}))
	l.start(d)
	ctx := context.Background()
	for _, c := range []struct{ stream, redirect string }{{"stdout", " 2>/dev/null"}, {"stderr", " >&2 2>/dev/null"}} {
		t.Run(c.stream, func(t *testing.T) {
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			begin := time.Now()
			out, errb, _, err := d.Exec(ctx, []string{"sh", "-c", "dd if=/dev/zero bs=1M count=100" + c.redirect})
			took := time.Since(begin)
			runtime.ReadMemStats(&after)
			alloc := after.TotalAlloc - before.TotalAlloc
			t.Logf("100 MB on %s: %v after %s, %d MB allocated", c.stream, err, took.Round(time.Millisecond), alloc>>20)
			if err == nil || !strings.Contains(err.Error(), "wrote "+c.stream+" over 1 MiB: stopped") {
				t.Errorf("100 MB on %s: err %v; want the cap named", c.stream, err)
			}
			if out != nil || errb != nil {
				t.Errorf("output kept: %d and %d bytes", len(out), len(errb))
			}
			if alloc > 16<<20 || took > 10*time.Second {
				t.Errorf("100 MB on %s cost %d MB of allocations and %s", c.stream, alloc>>20, took)
			}
		})
	}
	out, _, code, err := d.Exec(ctx, []string{"sh", "-c", "dd if=/dev/zero bs=1024 count=1024 2>/dev/null"})
	if err != nil || code != 0 || len(out) != providers.ExecOutputMax {
		t.Errorf("exactly 1 MiB: %d bytes, exit %d, %v", len(out), code, err)
	}
}
