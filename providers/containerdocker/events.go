package containerdocker

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/moby/moby/api/types/events"
	"github.com/moby/moby/client"
	"github.com/omhcl/omhcl/providers"
)

var _ providers.EventSource = (*driver)(nil)

// stateActions are the container events that may change its status: the
// daemon checks the resource at once on each.
var stateActions = map[events.Action]bool{
	events.ActionDie: true, events.ActionStop: true, events.ActionKill: true,
	events.ActionOOM: true, events.ActionStart: true, events.ActionDestroy: true,
}

// Events follows the engine's event stream for the resource's container
// (its labels), so a death is seen in milliseconds rather than at the
// next monitor round. It returns when ctx ends or the stream breaks (the
// engine restarted): the daemon subscribes again.
func (d *driver) Events(ctx context.Context, changed func()) error {
	c, cli, err := d.connect()
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel() // ends the client's reader goroutine
	f := client.Filters{}.Add("type", string(events.ContainerEventType)).
		Add("label", labelService+"="+c.service, labelRID+"="+c.rid)
	res := cli.Events(ctx, client.EventsListOptions{Filters: f})
	for {
		select {
		case m := <-res.Messages:
			if ours(m, c.service, c.rid) && stateChange(m.Action) {
				changed()
			}
		case err := <-res.Err:
			if ctx.Err() != nil {
				return ctx.Err()
			}
			if err == nil {
				err = errors.New("closed")
			}
			return fmt.Errorf("%s: %s engine at %s: event stream: %w", c.rid, d.engine, c.socket, err)
		}
	}
}

// ours checks the labels again: podman ORs label filters where docker
// ANDs them, so a stream may carry another resource's events.
func ours(m events.Message, service, rid string) bool {
	a := m.Actor.Attributes
	return a[labelService] == service && a[labelRID] == rid
}

// stateChange: health_status comes as "health_status: healthy" and the like.
func stateChange(a events.Action) bool {
	if stateActions[a] {
		return true
	}
	return strings.HasPrefix(string(a), string(events.ActionHealthStatus))
}
