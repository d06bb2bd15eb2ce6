package containerdocker

import (
	"context"
	"fmt"

	"github.com/moby/moby/client"
	"github.com/omhcl/omhcl/providers"
	"github.com/zclconf/go-cty/cty"
)

var (
	_ providers.DriftChecker   = (*driver)(nil)
	_ providers.Executor       = (*driver)(nil)
	_ providers.StrayFinder    = (*driver)(nil)
	_ providers.RemnantChecker = (*driver)(nil)
)

type driver struct {
	r      *providers.Resource
	engine string // "docker" or "podman"
}

// newDriver checks the known attributes now, so a bad one fails the plan.
func newDriver(r *providers.Resource, engine string) (providers.Driver, error) {
	if r == nil {
		return nil, fmt.Errorf("container.%s: no resource", engine)
	}
	if _, errs := parseConfig(r, engine); len(errs) > 0 {
		return nil, providers.Refuse(r, errs)
	}
	return &driver{r: r, engine: engine}, nil
}

// config parses the attributes again; newDriver checked them.
func (d *driver) config() *config {
	c, _ := parseConfig(d.r, d.engine)
	return c
}

// connect is the config and engine client of an action, which needs every
// attribute known.
func (d *driver) connect() (*config, *client.Client, error) {
	c, errs := parseConfig(d.r, d.engine)
	if len(errs) > 0 {
		return nil, nil, providers.Refuse(d.r, errs)
	}
	if err := c.complete(); err != nil {
		return nil, nil, err
	}
	cli, err := engineClient(c.socket)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", c.rid, err)
	}
	return c, cli, nil
}

// find is the container of an action (nil when there is none); an engine
// that does not answer is an error naming it.
func (d *driver) find(ctx context.Context) (*config, *client.Client, *found, error) {
	c, cli, err := d.connect()
	if err != nil {
		return nil, nil, nil, err
	}
	f, err := lookup(ctx, cli, c.service, c.rid)
	if err != nil {
		return nil, nil, nil, c.engineErr("find the container", err)
	}
	return c, cli, f, nil
}

// Describe names the container and its image: "docker web.container.0@busybox".
func (d *driver) Describe() string {
	c := d.config()
	return fmt.Sprintf("%s %s@%s", d.engine, c.name, c.image)
}

// Nothing to provision: the image is pulled at start, as pull says.
func (d *driver) Provision(context.Context, *providers.Log) error   { return nil }
func (d *driver) Unprovision(context.Context, *providers.Log) error { return nil }

// Exposed reads the running container; unknown when it does not run or the
// engine does not answer.
func (d *driver) Exposed(ctx context.Context) map[string]cty.Value {
	unknown := map[string]cty.Value{
		"container_id": cty.UnknownVal(cty.String),
		"pid":          cty.UnknownVal(cty.Number),
		"netns_path":   cty.UnknownVal(cty.String),
	}
	c, cli, err := d.connect()
	if err != nil {
		return unknown
	}
	ctx, cancel := context.WithTimeout(ctx, queryTimeout)
	defer cancel()
	f, err := lookup(ctx, cli, c.service, c.rid)
	if err != nil || f == nil || !f.running() || f.pid() <= 0 {
		return unknown
	}
	return map[string]cty.Value{
		"container_id": cty.StringVal(f.id),
		"pid":          cty.NumberIntVal(int64(f.pid())),
		// not the engine's SandboxKey: empty with some network modes
		"netns_path": cty.StringVal(fmt.Sprintf("/proc/%d/ns/net", f.pid())),
	}
}
