package containerdocker

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/client"
	"github.com/omhcl/omhcl/providers"
)

// Start creates the container if missing (anew when it drifted), starts it
// and waits until it runs, and is healthy when the image checks health.
func (d *driver) Start(ctx context.Context, log *providers.Log) error {
	c, cli, f, err := d.find(ctx)
	if err != nil {
		return err
	}
	if f != nil {
		if dr := drift(ctx, cli, c, f); len(dr) > 0 {
			log.Op("%s rm -f %s (created with another %s)", c.engine, strings.TrimPrefix(f.inspect.Name, "/"), strings.Join(dr, ", "))
			if _, err := cli.ContainerRemove(ctx, f.id, client.ContainerRemoveOptions{Force: true}); err != nil {
				return c.engineErr("remove the drifted container", err)
			}
			f = nil
		}
	}
	if f != nil && f.running() {
		// running is not up when a health check says otherwise
		log.Info("container %s already runs", c.name)
		return waitRunning(ctx, cli, c, f.id)
	}
	id := ""
	if f != nil {
		id = f.id
	} else if id, err = d.create(ctx, log, c, cli); err != nil {
		return err
	}
	log.Op("%s start %s", c.engine, c.name)
	if _, err := cli.ContainerStart(ctx, id, client.ContainerStartOptions{}); err != nil {
		return c.engineErr("start "+c.name, err)
	}
	return waitRunning(ctx, cli, c, id)
}

// create pulls the image as pull says, then creates the container.
func (d *driver) create(ctx context.Context, log *providers.Log, c *config, cli *client.Client) (string, error) {
	if err := ensureImage(ctx, log, c, cli); err != nil {
		return "", err
	}
	net, err := netMode(ctx, cli, c)
	if err != nil {
		return "", err
	}
	log.Op("%s", c.createLine())
	labels := map[string]string{labelService: c.service, labelRID: c.rid, labelConfig: c.fingerprintLabel()}
	for k, v := range c.labels {
		labels[k] = v
	}
	res, err := cli.ContainerCreate(ctx, client.ContainerCreateOptions{
		Name: c.name,
		Config: &container.Config{
			Image: c.image, Cmd: c.command, Entrypoint: c.entrypoint, Hostname: c.hostname,
			Env: c.envList(), User: c.user, Labels: labels,
		},
		HostConfig: &container.HostConfig{Binds: c.volumes, NetworkMode: container.NetworkMode(net), Privileged: c.privileged, CapAdd: c.capAdd},
	})
	if err != nil {
		return "", c.engineErr("create "+c.name, err)
	}
	for _, w := range res.Warnings {
		log.Info("warning: %s", w)
	}
	return res.ID, nil
}

// netMode is the API's network mode; a shared namespace is the running
// container its labels find, never a guessed name.
func netMode(ctx context.Context, cli *client.Client, c *config) (string, error) {
	owner, ok := strings.CutPrefix(c.netns, "container#")
	if !ok {
		return c.netns, nil
	}
	f, err := lookup(ctx, cli, c.service, c.netns)
	switch {
	case err != nil:
		return "", c.engineErr("find the netns container "+c.netns, err)
	case f == nil || !f.running():
		return "", fmt.Errorf("%s: netns: container#%s of service %s does not run", c.rid, owner, c.service)
	}
	return "container:" + f.id, nil
}

// waitRunning polls until the container runs (and is healthy), fails (it
// exits, or its health check says unhealthy) or start_timeout ends.
func waitRunning(ctx context.Context, cli *client.Client, c *config, id string) error {
	deadline := time.Now().Add(c.startWait)
	for {
		in, err := cli.ContainerInspect(ctx, id, client.ContainerInspectOptions{})
		if err != nil {
			return c.engineErr("inspect "+c.name, err)
		}
		f := &found{id: id, inspect: in.Container}
		if done, err := started(ctx, cli, c, f); done {
			return err
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s: container %s not up within start_timeout %s: %s", c.rid, c.name, c.startWait, f.stateLine())
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s: wait for %s: %w", c.rid, c.name, ctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// started says whether the start of f is over, and how it failed if so.
func started(ctx context.Context, cli *client.Client, c *config, f *found) (bool, error) {
	st := f.inspect.State
	switch h := f.health(); {
	case f.running() && (h == "" || h == "healthy" || h == "none"):
		return true, nil
	case f.running() && h == "unhealthy":
		return true, fmt.Errorf("%s: container %s is unhealthy: %s", c.rid, c.name, f.lastCheck())
	case !f.running() && st != nil && st.Status != "created":
		msg := strings.Join(lastLogs(ctx, cli, f.id, logLines), "; ")
		return true, fmt.Errorf("%s: container %s %s with code %d after start: %s", c.rid, c.name, st.Status, st.ExitCode, msg)
	}
	return false, nil
}

// engineErr names the resource, the engine and what failed.
func (c *config) engineErr(what string, err error) error {
	return fmt.Errorf("%s: %s engine at %s: %s: %w", c.rid, c.engine, c.socket, what, err)
}
