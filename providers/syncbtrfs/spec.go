// Package syncbtrfs is the sync.btrfs driver: it copies btrfs subvolumes
// from the node running the service to its other nodes and drpnodes as
// read-only snapshots sent with `btrfs send`, incrementally (-p) against
// the last snapshot each target received, through the cluster's data
// channel (`om node ssh`). The target runs its own receiving end for the
// request (ReceiveCommand: om node btrfs-receive, its destination and
// keep). It receives the stream into a snapshot directory beside the
// destination, btrfs receive chrooted there and the stream checked
// command by command (a path outside the snapshot it builds fails the
// receive, guardStream), then swaps a writable
// snapshot of it into place in one rename (RENAME_EXCHANGE): the copy a
// failover finds is always a whole snapshot, never a half-received one.
// Snapshots are rotated on both sides, keeping `keep` of them and every
// snapshot a target still needs as its next parent.
package syncbtrfs

import (
	"github.com/omhcl/omhcl/providers"
	"github.com/omhcl/omhcl/providers/internal/synccore"
	"github.com/zclconf/go-cty/cty"
)

func init() { providers.Register(Spec) }

// Spec is the sync.btrfs driver spec.
var Spec = &providers.Spec{
	Kind: "sync",
	Type: "btrfs",
	Doc:  "Sends btrfs subvolumes incrementally to the service's other nodes (btrfs send -p), through the cluster's data channel.",
	Attrs: append(synccore.Attrs(`The btrfs subvolumes to copy: "${fs.data.mnt}/app".`),
		providers.AttrSpec{Name: "keep", Type: cty.Number, Default: cty.NumberIntVal(defaultKeep), InPlace: true, Doc: "Snapshots kept per subvolume on each side (at least 1: the parent of the next incremental send)."},
	),
	// provisioning creates the source subvolumes: the first start on the
	// first node makes them, a node that received a copy finds it there
	Provisionable: true,
	Arms:          true,
	New:           New,
}

const defaultKeep = 3
