// Package all links every resource driver into a binary: import it for
// its side effect, as the commands do.
package all

import (
	_ "github.com/omhcl/omhcl/providers/app"
	_ "github.com/omhcl/omhcl/providers/containerdocker"
	_ "github.com/omhcl/omhcl/providers/containerkvm"
	_ "github.com/omhcl/omhcl/providers/containerlxc"
	_ "github.com/omhcl/omhcl/providers/diskloop"
	_ "github.com/omhcl/omhcl/providers/disklv"
	_ "github.com/omhcl/omhcl/providers/diskvg"
	_ "github.com/omhcl/omhcl/providers/fs"
	_ "github.com/omhcl/omhcl/providers/iphost"
	_ "github.com/omhcl/omhcl/providers/ipnetns"
	_ "github.com/omhcl/omhcl/providers/syncbtrfs"
	_ "github.com/omhcl/omhcl/providers/syncrsync"
)
