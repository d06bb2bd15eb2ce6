// Command omplan shows what omapply would change on a node.
package main

import (
	"github.com/omhcl/omhcl/cmd/internal/cli"
	"os"
	"runtime/debug"
)

func main() {
	// Planning thousands of services allocates much and keeps little: a
	// higher GC target trades some memory for about 20% less time
	// (docs/bench.md). GOGC still wins when set.
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(200)
	}
	cli.Main(newRoot(cli.New()), os.Args[1:])
}
