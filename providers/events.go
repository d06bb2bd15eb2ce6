package providers

import "context"

// EventSource is implemented by drivers whose backend pushes state
// changes (the Docker Engine API's event stream): the daemon checks a
// monitored resource as soon as it changes, instead of at its next
// monitor round.
type EventSource interface {
	// Events calls changed whenever the resource's state may have changed,
	// until ctx ends or the stream breaks; the error says why, and the
	// daemon subscribes again. changed must not block.
	Events(ctx context.Context, changed func()) error
}
