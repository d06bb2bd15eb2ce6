// Package syncrsync is the sync.rsync driver: it copies paths (usually a
// service's filesystems) from the node running the service to the other
// nodes of the service and its drpnodes, with rsync through the cluster's
// data channel (`om node ssh`, package peerssh): authenticated by the
// cluster, never an open rsync daemon. It keeps, per target, the time and
// bytes of the last good sync, which its status compares to max_delay.
package syncrsync

import (
	"time"

	"github.com/omhcl/omhcl/providers"
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
	Attrs: []providers.AttrSpec{
		{Name: "src", Type: strings_, Required: true, Doc: `The paths to copy: "${fs.data.mnt}".`},
		{Name: "dst", Type: strings_, Doc: "Where each src goes on the targets (default: the same paths)."},
		{Name: "target", Type: strings_, Default: cty.ListVal([]cty.Value{cty.StringVal("nodes"), cty.StringVal("drpnodes")}), InPlace: true, Doc: `The node sets copied to: "nodes", "drpnodes".`},
		{Name: "exclude", Type: strings_, InPlace: true, Doc: "rsync --exclude patterns."},
		{Name: "bwlimit", Type: cty.String, InPlace: true, Doc: `Bandwidth limit, rsync's --bwlimit ("10m": 10 MB/s).`},
		{Name: "options", Type: strings_, InPlace: true, Doc: "More rsync options."},
		{Name: "interval", Type: cty.String, Default: cty.StringVal("30m"), InPlace: true, Doc: "How often the daemon syncs while the service runs here."},
		{Name: "max_delay", Type: cty.String, Default: cty.StringVal("2h"), InPlace: true, Doc: "Status warns when a target's last good sync is older."},
	},
	NoData: true,
	New:    New,
}

// defaults of the durations, when unset or unknown.
const (
	defaultInterval = 30 * time.Minute
	defaultMaxDelay = 2 * time.Hour
)
