package containerdocker

import (
	"context"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/client"
	"github.com/omhcl/omhcl/providers"
)

// Stop sends the stop signal, lets the engine kill after stop_timeout, and
// removes the container when rm is set. An engine that does not answer is
// an error: a container it could not see is not known to be down.
func (d *driver) Stop(ctx context.Context, log *providers.Log) error {
	c, cli, f, err := d.find(ctx)
	if err != nil {
		return err
	}
	if f == nil {
		log.Info("container %s is already down (none carries the labels of %s)", c.name, c.rid)
		return nil
	}
	if f.running() {
		if err := stopContainer(ctx, log, cli, c, f.id); err != nil {
			return err
		}
	} else {
		log.Info("container %s is already down", c.name)
	}
	if c.rm {
		log.Op("%s rm %s", c.engine, c.name)
		_, err := cli.ContainerRemove(ctx, f.id, client.ContainerRemoveOptions{Force: true})
		if err != nil && !cerrdefs.IsNotFound(err) {
			return c.engineErr("remove "+c.name, err)
		}
	}
	return nil
}

// stopContainer asks the engine to stop with a timeout, then kills what
// still runs: an engine that ignored the timeout must not leave it up.
func stopContainer(ctx context.Context, log *providers.Log, cli *client.Client, c *config, id string) error {
	secs := seconds(c.stopWait)
	log.Op("%s stop --time %d %s", c.engine, secs, c.name)
	begin := time.Now()
	if _, err := cli.ContainerStop(ctx, id, client.ContainerStopOptions{Timeout: &secs}); err != nil && !cerrdefs.IsNotFound(err) {
		return c.engineErr("stop "+c.name, err)
	}
	in, err := cli.ContainerInspect(ctx, id, client.ContainerInspectOptions{})
	if cerrdefs.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return c.engineErr("inspect "+c.name, err)
	}
	if in.Container.State != nil && in.Container.State.Running {
		log.Op("%s kill %s", c.engine, c.name)
		if _, err := cli.ContainerKill(ctx, id, client.ContainerKillOptions{Signal: "KILL"}); err != nil {
			return c.engineErr("kill "+c.name, err)
		}
	}
	log.Info("stopped in %s", time.Since(begin).Round(10*time.Millisecond))
	return nil
}
