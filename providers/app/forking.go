package app

import (
	"context"

	"github.com/omhcl/omhcl/providers"
)

// forking is an app.forking resource: a launcher whose start command returns
// once the application runs in the background.
type forking struct{ driver }

func newForking(r *providers.Resource) (*forking, error) {
	d, err := newDriver(r, "forking")
	if err != nil {
		return nil, err
	}
	return &forking{d}, nil
}

// Status runs the check command: n/a without one, down while attributes
// are unknown.
func (f *forking) Status(ctx context.Context) providers.Status {
	c, err := f.config()
	switch {
	case err != nil:
		return providers.Status{State: providers.Down, Messages: []string{err.Error()}}
	case c.check == nil && f.r.Known("check"):
		return providers.Status{State: providers.NA, Messages: []string{"no check command"}}
	case c.complete() != nil:
		return providers.Status{State: providers.Down}
	}
	rn, err := newRunner(f.r, c)
	if err != nil {
		return providers.Status{State: providers.Down, Messages: []string{err.Error()}}
	}
	return f.checkStatus(ctx, c, rn)
}

// Start runs the start command unless the check says the app is up.
func (f *forking) Start(ctx context.Context, log *providers.Log) error {
	c, rn, err := f.completeConfig()
	if err != nil {
		return err
	}
	if c.check != nil && f.checkStatus(ctx, c, rn).State == providers.Up {
		log.Info("%s is already up", f.r.RID())
		return nil
	}
	return f.exec(ctx, log, rn, c.start, c.startTimeout)
}

// Stop runs the stop command unless the check says the app is down.
func (f *forking) Stop(ctx context.Context, log *providers.Log) error {
	c, rn, err := f.completeConfig()
	if err != nil {
		return err
	}
	if c.stop == nil {
		log.Info("%s has no stop command: nothing to do", f.r.RID())
		return nil
	}
	if c.check != nil && f.checkStatus(ctx, c, rn).State == providers.Down {
		log.Info("%s is already down", f.r.RID())
		return nil
	}
	return f.exec(ctx, log, rn, c.stop, c.stopTimeout)
}

// Operations lists the command start or stop runs, from the settings
// alone: the planner, not the driver, decides whether the action is due.
func (f *forking) Operations(ctx context.Context, a providers.Action) []string {
	c, err := f.config()
	if err != nil {
		return nil
	}
	switch a {
	case providers.ActStart:
		return []string{f.opExec(c.start, c)}
	case providers.ActStop:
		if c.stop == nil && f.r.Known("stop") {
			return nil
		}
		return []string{f.opExec(c.stop, c)}
	}
	return nil
}
