package containerkvm

import (
	"context"
	"errors"
	"fmt"
)

// Events follows libvirt's domain lifecycle events (started, stopped,
// crashed, paused, resumed...) on a connection of its own, and calls
// changed on each of this domain's: a guest's death is seen as libvirt
// sees it. It returns when ctx ends or libvirtd's connection is lost.
func (d *driver) Events(ctx context.Context, changed func()) error {
	e := d.endpoint()
	l, err := dial(e)
	if err != nil {
		return fmt.Errorf("%s: event stream: %w", d.r.RID(), err)
	}
	defer l.Disconnect()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	evs, err := l.LifecycleEvents(ctx)
	if err != nil {
		return fmt.Errorf("%s: libvirtd at %s: event stream: %w", d.r.RID(), e.socket, err)
	}
	name := d.name()
	for {
		select {
		case ev, ok := <-evs:
			if !ok {
				if ctx.Err() != nil {
					return ctx.Err()
				}
				return fmt.Errorf("%s: libvirtd at %s: event stream: %w", d.r.RID(), e.socket, errors.New("closed"))
			}
			if ev.Dom.Name == name {
				changed()
			}
		case <-l.Disconnected():
			return fmt.Errorf("%s: libvirtd at %s: event stream: connection lost", d.r.RID(), e.socket)
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}
