package daemon

import (
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/omhcl/omhcl/wire"
)

// eventWriteTimeout bounds the write of one event to a stream: a client
// that stops reading is dropped, its buffer on the bus lagging meanwhile.
const eventWriteTimeout = 10 * time.Second

// handleEvents streams the node's events as they happen (GET /v1/events),
// one JSON object per line, after the kept ones the query asks to replay.
func (d *Daemon) handleEvents(w http.ResponseWriter, r *http.Request) {
	req, err := wire.ParseEventsRequest(r.URL.Query())
	if err != nil {
		httpError(w, http.StatusBadRequest, "%v", err)
		return
	}
	sub, replay, err := d.bus.subscribe(req)
	if err != nil {
		httpError(w, http.StatusServiceUnavailable, "%v (at most %d)", err, maxSubscribers)
		return
	}
	defer d.bus.unsubscribe(sub)
	rc := http.NewResponseController(w)
	// A stream outlives the server's read and write timeouts: each write
	// has a deadline of its own instead, and the client's end of the
	// connection ends the request's context.
	rc.SetReadDeadline(time.Time{})
	w.Header().Set("Content-Type", "application/x-ndjson")
	w.WriteHeader(http.StatusOK)
	enc := json.NewEncoder(w)
	send := func(e wire.Event) error {
		rc.SetWriteDeadline(time.Now().Add(eventWriteTimeout))
		if err := enc.Encode(e); err != nil {
			return err
		}
		return rc.Flush()
	}
	if rc.Flush() != nil {
		return
	}
	for _, e := range replay {
		if send(e) != nil {
			return
		}
	}
	for {
		select {
		case <-r.Context().Done():
			return
		case e, ok := <-sub.ch:
			if !ok {
				if sub.lagged > 0 {
					send(wire.Event{Time: time.Now(), Node: d.opts.Node, Kind: wire.EventLagged, Count: sub.lagged,
						Reason: fmt.Sprintf("this reader fell %d events behind and is dropped: read again (om events --since 1m replays the last ones)", sub.lagged)})
				}
				return
			}
			if send(e) != nil {
				return
			}
		}
	}
}
