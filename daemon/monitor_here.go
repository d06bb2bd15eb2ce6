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
	switch {
	case observedAt.Before(run.migratedAt):
		// the guest this observation may have seen has left: a live
		// migration ended meanwhile (migrate.go)
		ir.Running = false
	case ir.Running:
		run.ranHere = true
	case run.ranHere && (monitoredDied(li) || observedAt.Before(run.startedAt)):
		// a death the monitor handles; or an observation begun before a
		// start that finished meanwhile, which says nothing of it (read
		// as "not running anywhere", a death right after the start was
		// started again, uncounted by the monitor's restarts)
		ir.Running = true
	default:
		run.ranHere = false
	}
	return ir
}

// runsHere says whether this node's last report shows svc running.
func (d *Daemon) runsHere(svc string) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.local == nil {
		return false
	}
	ir := d.local.Instances[svc]
	return ir != nil && ir.Running
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
