// Package syncrsync is the sync.rsync driver: it copies paths (usually a
// service's filesystems) from the node running the service to the other
// nodes of the service and its drpnodes, with rsync through the cluster's
// data channel (`om node ssh`, package peerssh): authenticated by the
// cluster, never an open rsync daemon. It keeps, per target, the time and
// bytes of the last good sync, which its status compares to max_delay
// (package synccore, shared with sync.btrfs).
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
		providers.AttrSpec{Name: "options", Type: strings_, InPlace: true, Doc: "More rsync options."},
	),
	NoData: true,
	Arms:   true,
	New:    New,
}
