package daemon

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"time"

	"github.com/omhcl/omhcl/internal/atomicfile"
	"github.com/omhcl/omhcl/orchestrate"
	"github.com/omhcl/omhcl/wire"
)

// A node's maintenance: drained, frozen, or both.
//
// Draining: the node is going away, and takes no new part in placement
// until told otherwise. It reports itself held down, so that its peers
// place nothing there while another node can take it, and it starts
// nothing. It hands what it runs over, one service at a time in name
// order: a failover service stops here once the node its placement picks
// among the others can take it (alive, with current news, not held down),
// and that node starts it; a flex service starts on the next candidate
// first, then stops here. A service that no other node would start stays
// (frozen, orchestrate = "no" or "start", no other node able to take it):
// GET /v1/node says why, and om node drain --wait names it.
//
// om node drain keeps the drain in STATE_DIR/node-maintenance.json: a
// node rebooted during its maintenance does not take services back. The
// systemd unit's stop drains until the daemon restarts only.
//
// A daemon inside the container of an encapsulated service (seed 002's
// farmed topologies) is drained by the agent there when the node level
// stops the container (POST /v1/drain, until restart): the agent then
// stops the level itself (the daemon hands nothing over then), and the
// daemon must not start it again in the moment before the container stops
// (nor restart what the agent stopped).
// The other daemons see the node held down and take its services over as
// soon as they are stopped, without waiting for the container to die. The
// agent undrains it when the node wants the container up again.
//
// Frozen (om node freeze): the node decides nothing on its own for any
// service: no start, stop, relocation, restart of a monitored resource,
// monitor_action, standby or configuration convergence. It still fences
// when it loses quorum (a safety, not an orchestration: its peers take
// its services over then), runs the syncs of its services, and reports
// itself held down so that its peers place nothing there while another
// node can take it. What an operator does on the node itself (om SVC
// start --local, omapply) works as usual. Kept in the state directory
// until om node thaw.

// maintenance is the node's maintenance state, under Daemon.mu with
// Daemon.draining.
type maintenance struct {
	frozen bool
	// kept: the drain is on disk (om node drain), not until restart only.
	kept bool
	// byAgent: the encap agent's drain (POST /v1/drain), which stops the
	// level itself: the node hands nothing over, it only starts nothing.
	byAgent bool
	// stays says, while draining, why a service still runs here.
	stays map[string]string
}

// maintenanceFile is what STATE_DIR/node-maintenance.json holds.
type maintenanceFile struct {
	Frozen  bool      `json:"frozen,omitempty"`
	Drained bool      `json:"drained,omitempty"`
	Since   time.Time `json:"since"`
}

func (d *Daemon) maintenancePath() string {
	return filepath.Join(d.opts.StateDir, "node-maintenance.json")
}

// loadMaintenance takes the maintenance state kept on disk. A file that
// does not read is an error: taking services back on a node meant to be
// drained is worse than a daemon that does not start.
func (d *Daemon) loadMaintenance() error {
	b, err := os.ReadFile(d.maintenancePath())
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	var f maintenanceFile
	if err == nil {
		err = json.Unmarshal(b, &f)
	}
	if err != nil {
		return fmt.Errorf("node maintenance state %s: %v (fix or remove it: it says whether this node is drained or frozen)", d.maintenancePath(), err)
	}
	d.mu.Lock()
	d.draining, d.maint.kept, d.maint.frozen = f.Drained, f.Drained, f.Frozen
	d.mu.Unlock()
	if f.Drained {
		d.logf("drained since %s: this node starts nothing until om node undrain", f.Since.Format(time.RFC3339))
	}
	if f.Frozen {
		d.logf("frozen since %s: this node orchestrates nothing until om node thaw", f.Since.Format(time.RFC3339))
	}
	return nil
}

// saveMaintenance writes the kept state; under d.mu.
func (d *Daemon) saveMaintenance() error {
	f := maintenanceFile{Frozen: d.maint.frozen, Drained: d.draining && d.maint.kept, Since: time.Now().UTC()}
	if !f.Frozen && !f.Drained {
		if err := os.Remove(d.maintenancePath()); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
		return nil
	}
	b, _ := json.MarshalIndent(f, "", "  ")
	return atomicfile.Write(d.maintenancePath(), append(b, '\n'), 0o600)
}

// handleDrain is the encap agent's drain: until the daemon restarts.
func (d *Daemon) handleDrain(w http.ResponseWriter, r *http.Request) {
	var req wire.DrainRequest
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		httpError(w, http.StatusBadRequest, "bad request: %v", err)
		return
	}
	if err := d.setMaintenance(wire.NodeRequest{Drain: &req.Drain, UntilRestart: true}, true); err != nil {
		httpError(w, http.StatusInternalServerError, "%v", err)
		return
	}
	writeJSON(w, req)
}

// handleNode changes the node's maintenance state (om node drain, undrain,
// freeze, thaw) and answers the state after the change.
func (d *Daemon) handleNode(w http.ResponseWriter, r *http.Request) {
	var req wire.NodeRequest
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		httpError(w, http.StatusBadRequest, "bad request: %v", err)
		return
	}
	if err := d.setMaintenance(req, false); err != nil {
		httpError(w, http.StatusInternalServerError, "%v", err)
		return
	}
	writeJSON(w, d.nodeState())
}

// setMaintenance applies req; byAgent: the encap agent's drain.
func (d *Daemon) setMaintenance(req wire.NodeRequest, byAgent bool) error {
	d.mu.Lock()
	var said []string
	var events []wire.Event // om events
	if req.Drain != nil {
		switch drain := *req.Drain; {
		case drain && !d.draining:
			said = append(said, "drained: this node starts nothing and hands its services to its peers, one at a time")
			events = append(events, wire.Event{Kind: wire.EventDrain, Reason: map[bool]string{true: "until the daemon restarts", false: "until om node undrain"}[req.UntilRestart]})
		case !drain && d.draining:
			said = append(said, "undrained: this node takes part in placement again")
			events = append(events, wire.Event{Kind: wire.EventUndrain})
		}
		kept := *req.Drain && !req.UntilRestart
		if kept != d.maint.kept && *req.Drain && d.draining {
			said = append(said, map[bool]string{true: "drain kept until om node undrain", false: "drain until the daemon restarts"}[kept])
		}
		d.draining, d.maint.kept, d.maint.byAgent = *req.Drain, kept, *req.Drain && byAgent
		if !d.draining {
			d.maint.stays = nil
		}
	}
	if req.Freeze != nil {
		switch freeze := *req.Freeze; {
		case freeze && !d.maint.frozen:
			said = append(said, "frozen: this node orchestrates nothing (no start, stop, restart or relocation of its own) until om node thaw")
			events = append(events, wire.Event{Kind: wire.EventNodeFreeze})
		case !freeze && d.maint.frozen:
			said = append(said, "thawed: this node orchestrates again")
			events = append(events, wire.Event{Kind: wire.EventNodeThaw})
		}
		d.maint.frozen = *req.Freeze
	}
	err := d.saveMaintenance()
	d.mu.Unlock()
	for _, s := range said {
		d.logf("%s", s)
	}
	for _, e := range events {
		d.emit(e)
	}
	d.wakeRound()
	return err
}

// isDraining says whether this node was drained.
func (d *Daemon) isDraining() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.draining
}

// isFrozen says whether this node was frozen (om node freeze).
func (d *Daemon) isFrozen() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.maint.frozen
}

// frozenHolds says whether a frozen node holds back an action: every
// one but a fence.
func (d *Daemon) frozenHolds(what string) bool {
	return what != "fence" && d.isFrozen()
}

// drainHoldDown is the hold-down a drained (or frozen) node reports: its
// peers count it held down for as long as its reports say so.
const drainHoldDown = time.Hour

// reportMaintenance puts the node's maintenance state in its report;
// under d.mu.
func (d *Daemon) reportMaintenance(rep *wire.NodeReport) {
	rep.Frozen, rep.Draining = d.maint.frozen, d.draining
	if d.draining || d.maint.frozen {
		rep.HoldDownMs = max(rep.HoldDownMs, drainHoldDown.Milliseconds())
	}
	if d.draining {
		rep.Drained = true
		for _, in := range rep.Instances {
			if in.Running || in.Busy != "" {
				rep.Drained = false
			}
		}
	}
}

// nodeState is the node's maintenance state, and what runs here.
func (d *Daemon) nodeState() wire.NodeState {
	rep := d.localReport()
	d.mu.Lock()
	defer d.mu.Unlock()
	s := wire.NodeState{Node: d.opts.Node, Frozen: rep.Frozen, Draining: rep.Draining, Drained: rep.Drained, Kept: d.draining && d.maint.kept}
	for name, in := range rep.Instances {
		if !in.Running && in.Busy == "" {
			continue
		}
		ns := wire.NodeService{Service: name, Busy: in.Busy}
		if d.draining {
			ns.Why = d.maint.stays[name]
		}
		s.Running = append(s.Running, ns)
	}
	sort.Slice(s.Running, func(i, j int) bool { return s.Running[i].Service < s.Running[j].Service })
	return s
}

// drainDecision hands a service this draining node runs to the node its
// placement picks among the others, one service at a time: dec is what
// orchestrate.Decide said (it stops a flex instance by itself once the
// next candidate runs one). It records why a service stays.
func (d *Daemon) drainDecision(view orchestrate.View, s orchestrate.Service, dec orchestrate.Decision) orchestrate.Decision {
	d.mu.Lock()
	handsOver := d.draining && !d.maint.byAgent // the agent stops the level itself
	d.mu.Unlock()
	if !handsOver || !s.Instances[view.Self].Running {
		return dec
	}
	why := ""
	switch {
	case dec.Action != orchestrate.None:
		return dec
	case s.Frozen:
		why = "frozen: om " + s.Name + " thaw, or stop it"
	case s.Intent != orchestrate.IntentStarted && s.Settings.Orchestrate != "ha":
		why = fmt.Sprintf("orchestrate = %q: no node takes it over; om %s switch moves it, om %s stop stops it", s.Settings.Orchestrate, s.Name, s.Name)
	case s.Settings.Topology == "flex":
		why = "flex: stops here once the next candidate runs an instance"
		if len(orchestrate.FlexTargets(view, s)) == 0 || slices.Contains(orchestrate.FlexTargets(view, s), view.Self) {
			why = "flex: no other candidate to run its instance"
		}
	case dec.Target == "" || dec.Target == view.Self:
		why = "no other node can take it (none of its nodes is alive and free)"
	case !ready(view, dec.Target):
		why = fmt.Sprintf("waiting for %s to be able to take it (alive, current news, not held down)", dec.Target)
	case d.drainBusy(s.Name):
		why = "waiting its turn: one service moves at a time"
	default:
		dec.Action, dec.Reason = orchestrate.Stop, "draining: yielding to "+dec.Target
	}
	d.mu.Lock()
	if d.maint.stays == nil {
		d.maint.stays = map[string]string{}
	}
	d.maint.stays[s.Name] = why
	d.mu.Unlock()
	return dec
}

// ready says whether node can take a service over now (orchestrate's
// canTakeOver): alive, with current news, neither held down nor degraded.
func ready(view orchestrate.View, node string) bool {
	n, ok := view.Nodes[node]
	return ok && n.Alive && !n.Gone && n.Fresh && !n.HeldDown && !n.Degraded
}

// drainBusy says whether a service other than svc is being stopped here.
func (d *Daemon) drainBusy(svc string) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	for name, run := range d.services {
		if name != svc && run.busy == "stop" {
			return true
		}
	}
	return false
}
