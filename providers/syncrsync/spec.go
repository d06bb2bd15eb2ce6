// Package syncrsync is the sync.rsync driver: it copies paths (usually a
// service's filesystems) from the node running the service to the other
// nodes of the service and its drpnodes, with rsync through the cluster's
// data channel (`om node ssh`): authenticated by the cluster, never an
// open rsync daemon. The target runs the receiving end that its own copy
// of the resource makes, never the one a member's rsync asks for
// (ReceiveCommand), and creates device and special files only with
// devices = true. It keeps, per target, the time and bytes of the last
// good sync, which its status compares to max_delay (package synccore,
// shared with sync.btrfs).
package syncrsync

import (
	"github.com/omhcl/omhcl/providers"
	"github.com/omhcl/omhcl/providers/internal/synccore"
	"github.com/zclconf/go-cty/cty"
)

func init() { providers.Register(Spec) }

var strings_ = cty.List(cty.String)

// Spec is the sync.rsync driver spec.
var Spec = &providers.Spec{
	Kind:    "sync",
	Type:    "rsync",
	Default: true,
	Doc:     "Copies paths to the service's other nodes with rsync, through the cluster's authenticated data channel.",
	Attrs: append(synccore.Attrs(`The paths to copy: "${fs.data.mnt}".`),
		providers.AttrSpec{Name: "exclude", Type: strings_, InPlace: true, Doc: "rsync --exclude patterns."},
		providers.AttrSpec{Name: "bwlimit", Type: cty.String, InPlace: true, Doc: `Bandwidth limit, rsync's --bwlimit ("10m": 10 MB/s).`},
		providers.AttrSpec{Name: "devices", Type: cty.Bool, Default: cty.False, InPlace: true, Doc: "Create the device and special files of the sources on the targets (rsync -D), as root. Off: the copy leaves them out, and a sync never makes a device node a later write could go through."},
		providers.AttrSpec{Name: "options", Type: strings_, InPlace: true, Doc: "More rsync options (\"--checksum\"), on both sides: the target receives with the options its own copy of the resource makes, and refuses a sync sent with other ones. Options that move rsync's arguments into the stream (-s), name another remote command (--rsync-path, -e) or create device files without devices = true (-a, -D) are refused."},
	),
	NoData: true,
	Arms:   true,
	New:    New,
}
