// Command omplan shows what omapply would change on a node.
package main

import (
	"math"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sync/atomic"

	"github.com/omhcl/omhcl/cmd/internal/cli"
	"github.com/omhcl/omhcl/internal/buildinfo"
	"github.com/omhcl/omhcl/internal/clidocs"
)

func main() {
	if paced {
		paceGC()
	}
	root := newRoot(cli.New())
	buildinfo.AddVersion(root, true) // omplan's subcommands: validate, fmt, show, version
	if clidocs.Requested(os.Args[1:]) {
		cli.Exit(root, clidocs.Run(root, os.Args[2:], os.Stdout))
	}
	cli.Main(root, os.Args[1:])
}

// paced: omplan paces its garbage collection itself, GOGC or GOMEMLIMIT
// not being set (when they are, they win).
var paced = os.Getenv("GOGC") == "" && os.Getenv("GOMEMLIMIT") == ""

// gcFloor is the memory omplan takes before its first garbage collection.
const gcFloor = 512 << 20

// paceGC collects no garbage until the process holds gcFloor, then paces
// as GOGC=200 does. Planning allocates much and keeps little: a plan of
// about a thousand services of 10 resources is made before any
// collection is due; a larger one trades some memory for time, a
// collection each time the heap triples what the last one left live
// (docs/bench.md: about 15 % less time than GOGC=100 at 10,000 services,
// for about 20 % more memory). A plan made service by service paces by
// paceStream instead.
func paceGC() {
	debug.SetGCPercent(-1)
	debug.SetMemoryLimit(gcFloor)
	armGC()
}

// streamFloor is the least memory a plan made service by service (plan.
// Stream) lets the process take before a garbage collection. After one,
// it lets the heap grow by twice what the collection left live (which
// grows with the output and the sources kept), up to streamCap, and by
// streamRoom at least.
const streamFloor, streamRoom, streamCap = 128 << 20, 128 << 20, 384 << 20

// streaming: paceStream was called.
var streaming atomic.Bool

// paceStream paces the garbage collection of a plan made service by
// service: little of what it allocates outlives its service, and what it
// keeps is mostly bytes the collector does not scan (its output, the
// sources), so a collection is cheap and frees nearly all the heap. It
// collects only when the process holds streamFloor, or what the last
// collection left live and the room above it, whichever is more: a
// limit set higher would touch more fresh memory, and a page touched for
// the first time costs more than the collection that lets it be used
// again (docs/bench.md). The limit follows what stays live, with room
// above it: the collector never runs back to back.
func paceStream() {
	if !paced {
		return
	}
	streaming.Store(true)
	debug.SetGCPercent(-1)
	debug.SetMemoryLimit(int64(streamFloor))
}

// armGC has afterGC run once the next collection is done.
func armGC() {
	runtime.SetFinalizer(new(gcSentinel), func(*gcSentinel) { afterGC() })
}

type gcSentinel struct{ _ [16]byte }

// afterGC follows each collection while omplan paces: a plan made service
// by service sets its next limit; the whole configuration's pacing
// becomes GOGC=200's.
func afterGC() {
	if streaming.Load() {
		live := liveHeap()
		debug.SetMemoryLimit(int64(max(streamFloor, live+streamRoom, min(streamCap, 3*live))))
		armGC()
		return
	}
	debug.SetMemoryLimit(math.MaxInt64)
	debug.SetGCPercent(200)
}

// liveHeap is what the last collection left live.
func liveHeap() uint64 {
	s := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindUint64 {
		return 0
	}
	return s[0].Value.Uint64()
}
