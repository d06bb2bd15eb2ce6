package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/omhcl/omhcl/cmd/internal/cli"
	"github.com/omhcl/omhcl/wire"
	"github.com/spf13/cobra"
)

// errLimit ends a stream once --limit events are printed.
var errLimit = errors.New("limit reached")

// newEvents is om events (and om node events): the daemon's events as
// they happen, like om3 node events or journalctl -f.
func newEvents(e *cli.Env) *cobra.Command {
	var asJSON bool
	var req wire.EventsRequest
	var duration time.Duration
	var limit int
	cmd := &cobra.Command{
		Use:   "events",
		Short: "Stream this node's daemon events as they happen (membership, quorum, decisions, starts, stops, fences, syncs, configurations)",
		Long: `events prints what the node's daemon sees and does, as it happens, until
interrupted: members joining, failing and leaving, quorum lost and back,
fences, the orchestrator's decisions and why, each action's outcome and
duration, failovers, syncs, configurations stored or refused, drains and
operators' requests (docs/events.md lists every kind and its fields).

A line per event for a person: the time (RFC 3339), the node, the kind, then
the event's fields as key=value. --json prints one JSON object per line
instead, for a pipeline (jq, a log shipper).

--since replays the events the daemon kept (its last 512) that are younger,
before the new ones. A reader too slow to keep up is dropped by the daemon,
never waited for: its stream ends with a "lagged" event, and om events exits 1.`,
		Example: `  om events
  om events --json | jq -c 'select(.kind == "failover")'
  om events --kind member. --kind quorum.
  om events --since 10m --duration 1s   # what happened in the last 10 minutes, then exit`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			c, err := wire.Connect(ctx, e.Store().Root)
			if err != nil {
				return fmt.Errorf("%w (om daemon run starts it)", err)
			}
			if duration > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, duration)
				defer cancel()
			}
			n := 0
			lagged := false
			err = c.Events(ctx, req, func(ev wire.Event) error {
				lagged = ev.Kind == wire.EventLagged
				if err := printEvent(e.Out, ev, asJSON); err != nil {
					return err
				}
				if n++; limit > 0 && n >= limit {
					return errLimit
				}
				return nil
			})
			switch {
			case errors.Is(err, errLimit):
				return nil
			case lagged:
				return errors.New("the daemon dropped this stream: it was read too slowly")
			case errors.Is(err, io.ErrUnexpectedEOF):
				return errors.New("the daemon ended the stream (it stopped?)")
			}
			return err
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print one JSON object per event and line")
	cmd.Flags().DurationVar(&req.Since, "since", 0, "first replay the kept events younger than this (e.g. 10m)")
	cmd.Flags().StringArrayVar(&req.Kinds, "kind", nil, "only events of this kind, or of this prefix ending with a dot (member., sync.); repeatable")
	cmd.Flags().StringArrayVar(&req.Services, "service", nil, "only events of this service; repeatable")
	cmd.Flags().DurationVar(&duration, "duration", 0, "stop after this long (default: until interrupted)")
	cmd.Flags().IntVar(&limit, "limit", 0, "stop after this many events")
	return cmd
}

// newNodeEvents is om node events: om events, under the node commands as
// in om3.
func newNodeEvents(e *cli.Env) *cobra.Command {
	cmd := newEvents(e)
	cmd.Short = "Stream this node's daemon events as they happen (same as om events)"
	return cmd
}

func printEvent(w io.Writer, ev wire.Event, asJSON bool) error {
	if asJSON {
		return json.NewEncoder(w).Encode(ev)
	}
	_, err := fmt.Fprintln(w, ev.Text())
	return err
}
