// Command omplan shows what omapply would change on a node.
package main

import (
	"os"
	"runtime/debug"

	"github.com/omhcl/omhcl/cmd/internal/cli"
	"github.com/omhcl/omhcl/internal/buildinfo"
	"github.com/omhcl/omhcl/internal/clidocs"
)

func main() {
	// Planning thousands of services allocates much and keeps little: a
	// higher GC target trades some memory for about 20% less time
	// (docs/bench.md). GOGC still wins when set.
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(200)
	}
	root := newRoot(cli.New())
	buildinfo.AddVersion(root, true) // omplan's subcommands: validate, fmt, show, version
	if clidocs.Requested(os.Args[1:]) {
		cli.Exit(root, clidocs.Run(root, os.Args[2:], os.Stdout))
	}
	cli.Main(root, os.Args[1:])
}
