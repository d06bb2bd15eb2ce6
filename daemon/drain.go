package daemon

import (
	"encoding/json"
	"net/http"
	"time"

	"github.com/omhcl/omhcl/wire"
)

// Draining: the node is going away, and takes no new part in placement
// until told otherwise. A daemon inside the container of an encapsulated
// service (seed 002's farmed topologies) is drained by the agent there
// when the node level stops the container: the agent then stops the
// level itself, and the daemon must not start it again in the moment
// before the container stops (nor restart what the agent stopped). The
// other daemons see the node held down and take its services over as
// soon as they are stopped, without waiting for the container to die.
// The agent undrains it when the node wants the container up again.

func (d *Daemon) handleDrain(w http.ResponseWriter, r *http.Request) {
	var req wire.DrainRequest
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		httpError(w, http.StatusBadRequest, "bad request: %v", err)
		return
	}
	d.mu.Lock()
	changed := d.draining != req.Drain
	d.draining = req.Drain
	d.mu.Unlock()
	if changed && req.Drain {
		d.logf("drained: this node starts nothing and yields its services to its peers")
	} else if changed {
		d.logf("undrained: this node takes part in placement again")
	}
	writeJSON(w, req)
}

// isDraining says whether this node was drained.
func (d *Daemon) isDraining() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.draining
}

// drainHoldDown is the hold-down a drained node reports: its peers count
// it held down for as long as its reports say so.
const drainHoldDown = time.Hour
