package daemon

import (
	"time"

	"github.com/omhcl/omhcl/plan"
	"github.com/omhcl/omhcl/providers"
	"github.com/omhcl/omhcl/wire"
)

// localInstance is this node's report of a service's instance: running
// when a resource is up, and also while a monitored resource that died
// here waits for the monitor (see serviceRun.ranHere).
func (d *Daemon) localInstance(svc string, li *plan.LiveInstance, observedAt time.Time) *wire.InstanceReport {
	ir := instanceReport(li)
	d.mu.Lock()
	defer d.mu.Unlock()
	run := d.run(svc)
	run.observedAt = observedAt
	switch {
	case run.stale():
		// an action ended meanwhile: what it left is the truth (a start
		// read as "not running anywhere" was started again, uncounted by
		// the monitor's restarts; a guest seen before a live migration
		// took it away has left)
		ir.Running = run.ranHere
	case ir.Running:
		run.ranHere = true
	case run.ranHere && monitoredDied(li):
		// a death the monitor handles
		ir.Running = true
	default:
		run.ranHere = false
	}
	return ir
}

// stale says, under d.mu, whether the latest observation began before
// the last action here ended.
func (run *serviceRun) stale() bool { return run.observedAt.Before(run.endedAt) }

// running says, under d.mu, whether the service runs here as ir, the
// last round's report, shows it: what the last action left when it ended
// after the round's observation began.
func (run *serviceRun) running(ir *wire.InstanceReport) bool {
	if run != nil && run.stale() {
		return run.ranHere
	}
	return ir.Running
}

// runsHere says whether this node's last report shows svc running.
func (d *Daemon) runsHere(svc string) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.local == nil {
		return false
	}
	ir := d.local.Instances[svc]
	return ir != nil && d.services[svc].running(ir)
}

// monitoredDied says whether a monitored resource is down although the
// engine started it here and never stopped it (its applied settings are
// still recorded): it died.
func monitoredDied(li *plan.LiveInstance) bool {
	for _, lr := range li.Resources {
		if lr.Monitor && lr.Skipped == "" && lr.Applied != nil && lr.Status == providers.Down {
			return true
		}
	}
	return false
}
