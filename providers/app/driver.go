package app

import (
	"context"
	"fmt"
	"path"
	"time"

	"github.com/omhcl/omhcl/providers"
	"github.com/zclconf/go-cty/cty"
)

// driver holds what both app types share.
type driver struct {
	r    *providers.Resource
	kind string // "forking" or "simple", for Describe
}

// newDriver checks the known attributes of r now, so a bad configuration
// fails at plan time rather than at start.
func newDriver(r *providers.Resource, kind string) (driver, error) {
	if r == nil {
		return driver{}, fmt.Errorf("app.%s: no resource", kind)
	}
	if _, err := parseConfig(r); err != nil {
		return driver{}, err
	}
	return driver{r: r, kind: kind}, nil
}

// config parses the attributes again: cheap, and always current.
func (d *driver) config() (*config, error) { return parseConfig(d.r) }

// completeConfig is the config of Start and Stop, which need every value.
func (d *driver) completeConfig() (*config, *runner, error) {
	c, err := d.config()
	if err != nil {
		return nil, nil, err
	}
	if err := c.complete(); err != nil {
		return nil, nil, fmt.Errorf("%s: %w", d.r.RID(), err)
	}
	rn, err := newRunner(d.r, c)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", d.r.RID(), err)
	}
	return c, rn, nil
}

// Describe names the application by its start command: "forking: weblauncher".
func (d *driver) Describe() string {
	name := providers.Unknown
	if c, err := d.config(); err == nil && c.start != nil {
		name = path.Base(c.start.words[0])
	}
	return d.kind + ": " + name
}

func (d *driver) Provision(context.Context, *providers.Log) error   { return nil }
func (d *driver) Unprovision(context.Context, *providers.Log) error { return nil }
func (d *driver) Exposed(context.Context) map[string]cty.Value      { return nil }

// Info runs the info command and returns its output; "" when there is none.
func (d *driver) Info(ctx context.Context) (string, error) {
	c, rn, err := d.completeConfig()
	if err != nil {
		return "", err
	}
	if c.info == nil {
		return "", nil
	}
	res := rn.run(ctx, c.info, c.timeout)
	return res.out, res.err
}

// exec runs a start or stop command, logging it like the seed:
//
//	exec /svc1/app/launcher start as user root
//	| Starting...
//	start done in 0:00:00.213427 - ret 0
func (d *driver) exec(ctx context.Context, log *providers.Log, rn *runner, c *command, timeout time.Duration) error {
	log.Op("exec %s as user %s", c.display, rn.as.name)
	res := rn.run(ctx, c, timeout)
	log.Output(res.out)
	if res.started {
		log.Info("%s done in %s - ret %d", c.name, formatElapsed(res.elapsed), res.code)
	}
	if res.err != nil {
		return fmt.Errorf("%s: %w", d.r.RID(), res.err)
	}
	return nil
}

// checkStatus runs the check command and maps its exit code. A check that
// cannot run (its launcher is on a filesystem not mounted yet) means down.
func (d *driver) checkStatus(ctx context.Context, c *config, rn *runner) providers.Status {
	res := rn.run(ctx, c.check, c.checkTimeout)
	switch {
	case !res.started:
		return providers.Status{State: providers.Down, Messages: []string{errText(res.err)}}
	case res.code < 0: // timed out or killed by a signal
		return providers.Status{State: providers.Warn, Messages: []string{errText(res.err)}}
	}
	return c.retcodes.status(res.code)
}

// opExec is the plan line of a command run.
func (d *driver) opExec(c *command, cfg *config) string {
	display, user := providers.Unknown, providers.Unknown
	if c != nil {
		display = c.display
	}
	if d.r.Known("user") {
		user = cfg.user
		if as, err := lookupRunAs(cfg.user); err == nil {
			user = as.name
		}
	}
	return fmt.Sprintf("exec %s as user %s", display, user)
}

func errText(err error) string {
	if err == nil {
		return "unknown error"
	}
	return err.Error()
}
