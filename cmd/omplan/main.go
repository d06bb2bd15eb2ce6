// Command omplan shows what omapply would change on a node.
package main

import (
	"github.com/omhcl/omhcl/cmd/internal/cli"
	"os"
)

func main() { cli.Main(newRoot(cli.New()), os.Args[1:]) }
