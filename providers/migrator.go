package providers

import (
	"context"
	"io"
)

// Migrator is implemented by container drivers whose running container can
// move to another node without stopping (a live migration: container.kvm).
// The daemon moves a service whose resource says live_migrate = true this
// way on a planned move (a switch, a giveback, a degraded link's yield): the
// service's other resources stop here and start there as in a switch, the
// migrated one keeps running throughout, with what runs inside it.
type Migrator interface {
	// LiveMigrates says whether the resource's configuration allows a live
	// migration (live_migrate = true): a destination refuses any other.
	LiveMigrates() bool
	// Migrate moves the running resource to to.Node. It returns once the
	// resource runs there; on an error it still runs here, as before.
	Migrate(ctx context.Context, log *Log, to MigrationTarget) error
	// MigrateOperations are the plan's lines for a migration to node, a
	// pure function of the attributes (as Driver.Operations).
	MigrateOperations(node string) []string
	// ReceiveCommand is what this node runs, with the data channel as its
	// stdin and stdout, for a member's migration of the resource into this
	// node: built from this node's own copy of the resource (om is this
	// node's om and its state directory). It prepares the destination (the
	// domain defined as this node defines it) first.
	ReceiveCommand(ctx context.Context, log *Log, om []string) ([]string, error)
}

// MigrationTarget is where a Migrator moves its resource to.
type MigrationTarget struct {
	Node string
	// Dial opens a connection to the receiving end on Node (its
	// ReceiveCommand), through the cluster's authenticated transport.
	Dial func(ctx context.Context) (io.ReadWriteCloser, error)
}

// MigrateRequest is the data channel request of a live migration of svc's
// resource rid into the node it is sent to.
func MigrateRequest(svc, rid string) []string { return []string{MigrateVerb, svc, rid} }

// MigrateVerb is the first word of a MigrateRequest.
const MigrateVerb = "migrate-in"
