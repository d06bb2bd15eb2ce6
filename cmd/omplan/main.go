// Command omplan shows what omapply would change on a node.
package main

import (
	"math"
	"os"
	"runtime"
	"runtime/debug"

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

// gcFloor is the memory omplan takes before its first garbage collection.
const gcFloor = 512 << 20

// paceGC collects no garbage until the process holds gcFloor, then paces
// as GOGC=200 does. Planning allocates much and keeps little: a plan of
// about a thousand services of 10 resources is made before any
// collection is due; a larger one trades some memory for time, a
// collection each time the heap triples what the last one left live
// (docs/bench.md: about 15 % less time than GOGC=100 at 10,000 services,
// for about 20 % more memory). GOGC or GOMEMLIMIT, when set, win.
func paceGC() {
	debug.SetGCPercent(-1)
	debug.SetMemoryLimit(gcFloor)
	// finalized by the first collection
	runtime.SetFinalizer(new(gcSentinel), func(*gcSentinel) {
		debug.SetMemoryLimit(math.MaxInt64)
		debug.SetGCPercent(200)
	})
}

type gcSentinel struct{ _ [16]byte }
