// Command omplan shows what omapply would change on a node.
package main

import (
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"

	"github.com/omhcl/omhcl/cmd/internal/cli"
	"github.com/omhcl/omhcl/internal/buildinfo"
	"github.com/omhcl/omhcl/internal/clidocs"
)

func main() {
	if os.Getenv("GOGC") == "" && os.Getenv("GOMEMLIMIT") == "" {
		paceGC()
	}
	root := newRoot(cli.New())
	buildinfo.AddVersion(root, true) // omplan's subcommands: validate, fmt, show, version
	if clidocs.Requested(os.Args[1:]) {
		cli.Exit(root, clidocs.Run(root, os.Args[2:], os.Stdout))
	}
	cli.Main(root, os.Args[1:])
}

// gcFloor is the memory omplan may take before it collects garbage.
const gcFloor = 512 << 20

// paceGC collects no garbage until the heap reaches gcFloor, then paces
// as GOGC=100 does: a collection each time the heap doubles what the last
// one left live (docs/bench.md). Planning allocates much and keeps
// little: a plan of a few thousand services is made before any collection
// is due, and a larger one holds about twice its live data. GOGC or
// GOMEMLIMIT, when set, win.
func paceGC() {
	debug.SetGCPercent(-1)
	debug.SetMemoryLimit(gcFloor)
	live := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	var watch func()
	watch = func() {
		// finalized after each collection: the next limit is twice
		// what this one left live
		runtime.SetFinalizer(new(gcSentinel), func(*gcSentinel) {
			metrics.Read(live)
			if live[0].Value.Kind() == metrics.KindUint64 {
				debug.SetMemoryLimit(max(gcFloor, 2*int64(live[0].Value.Uint64())))
			}
			watch()
		})
	}
	watch()
}

type gcSentinel struct{ _ [16]byte }
