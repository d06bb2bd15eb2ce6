package providers

import (
	"context"
	"errors"
	"time"
)

// Syncer is implemented by drivers that copy a service's data to other
// nodes (sync.rsync): the node running the service calls Sync, through
// `om SVC sync update` or the daemon's schedule; Start and Stop of such
// a resource only arm and disarm it.
type Syncer interface {
	Sync(ctx context.Context, log *Log, req SyncRequest) error
}

// LastSyncer tells when a sync driver last tried every one of its
// targets (the oldest of their last attempts, good or failed), zero when
// never: the daemon's schedule syncs again once the interval has passed.
type LastSyncer interface {
	LastSync() time.Time
}

// SyncRequest is one sync: to which nodes, and how to reach them.
type SyncRequest struct {
	// Targets are the nodes to copy to, each with the node set that made
	// it a target ("nodes", "drpnodes").
	Targets []SyncTarget
	// Down are targets known down (the daemon's schedule): not tried,
	// recorded as a failed attempt, so they do not hold up the others and
	// are tried again an interval later.
	Down []string
	// RemoteShell is the command that runs a command on a target node,
	// the node's name then the command appended: the cluster's data
	// channel, `om node ssh`.
	RemoteShell []string
	// Wait for a sync of the resource in progress on this node (a request
	// by hand); false: return ErrSyncBusy at once (the daemon's schedule).
	Wait bool
	// Due, when set (the daemon's schedule), is asked again once the
	// resource's sync lock is held, with its LastSync then: a sync that
	// ran meanwhile (by hand) makes it not due, and Sync returns
	// ErrSyncNotDue without copying anything.
	Due func(last time.Time) bool
}

// ErrSyncBusy: a sync of the resource already runs on this node.
var ErrSyncBusy = errors.New("a sync of it already runs on this node")

// ErrSyncNotDue: a scheduled sync found, once it held the lock, that
// another sync had just reached every target.
var ErrSyncNotDue = errors.New("synced meanwhile: not due")

// SyncTarget is one node a sync copies to.
type SyncTarget struct {
	Node string
	Set  string // "nodes" or "drpnodes"
	// Dst are the destinations as the target sees them (the service
	// evaluated for it: a path scoped per node differs there), one per
	// source; empty: the sources' own paths.
	Dst []string
}

// SyncReceiver is implemented by sync drivers whose copies a target
// receives through the cluster's data channel. The receiving node never
// runs a command a member sent: its daemon finds the sync resource a
// request writes into (ReceiveDst, matched against the destinations of
// this node's own copy of its sync resources), applies its policy (the
// service does not run here, the filesystem the copy lands in is
// mounted), and runs what ReceiveCommand builds from this node's copy of
// that resource.
type SyncReceiver interface {
	// ReceiveDst reads the destination a member's request asks to write
	// into. ok is false when argv is not this driver's kind of request;
	// err is set when it is, but malformed.
	ReceiveDst(argv []string) (dst string, ok bool, err error)
	// ReceiveCommand builds the command this node runs for req: from the
	// resource as this node evaluates it and, of the member's request,
	// only the words the driver validates (rsync's capability letters,
	// snapshot names). A request other than the one this node's copy of
	// the resource makes is refused, the error naming what this node
	// expected.
	ReceiveCommand(ctx context.Context, req SyncReceive) ([]string, error)
}

// SyncReceive is a member's request to receive a copy, as the daemon
// hands it to the driver once its policy accepts it.
type SyncReceive struct {
	// Argv is the request as the member sent it.
	Argv []string
	// Dst is the destination it writes into, as this node's copy of the
	// resource names it (ReceiveDst's, matched).
	Dst string
	// Om runs this node's om (its executable and state directory): the
	// receiving end of a driver that is om's own (sync.btrfs).
	Om []string
}
