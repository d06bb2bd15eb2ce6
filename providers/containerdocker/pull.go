package containerdocker

import (
	"context"
	"errors"
	"fmt"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/client"
	"github.com/omhcl/omhcl/providers"
)

// ensureImage pulls the image when pull says so: "missing" uses a local
// image as it is, "never" only a local one.
func ensureImage(ctx context.Context, log *providers.Log, c *config, cli *client.Client) error {
	if c.pull != "always" {
		_, err := cli.ImageInspect(ctx, c.image)
		switch {
		case err == nil:
			return nil
		case !cerrdefs.IsNotFound(err):
			return c.engineErr("inspect image "+c.image, err)
		case c.pull == "never":
			return fmt.Errorf("%s: image %s is not on the %s engine at %s, and pull = \"never\"", c.rid, c.image, c.engine, c.socket)
		}
	}
	return pull(ctx, log, c, cli)
}

// pull pulls the image within start_timeout: a registry that accepts
// connections but never answers holds a pull 25 s on dockerd 20.10 and
// 83 s on podman 4.3 (it retries), longer than many start timeouts.
func pull(ctx context.Context, log *providers.Log, c *config, cli *client.Client) error {
	log.Op("%s pull %s", c.engine, c.image)
	pctx, cancel := context.WithTimeout(ctx, c.startWait)
	defer cancel()
	resp, err := cli.ImagePull(pctx, c.image, client.ImagePullOptions{})
	if err == nil {
		err = resp.Wait(pctx)
		resp.Close()
	}
	what := fmt.Sprintf("pull %s (pull = %q)", c.image, c.pull)
	switch {
	case err == nil:
		return nil
	case errors.Is(pctx.Err(), context.DeadlineExceeded) && ctx.Err() == nil:
		// the engine said nothing: its request's URL would be noise
		return c.engineErr(fmt.Sprintf("%s: not done within start_timeout %s", what, c.startWait), pctx.Err())
	}
	return c.engineErr(what, err)
}
