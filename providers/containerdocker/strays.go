package containerdocker

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/moby/moby/client"
)

// StrayScope is the engine and its socket: the service's containers on it
// are listed once, whichever of its resources asks.
func (d *driver) StrayScope() string { return d.engine + " " + d.config().socket }

// Strays lists the containers on this resource's engine labelled with its
// service but with a rid not among known.
func (d *driver) Strays(ctx context.Context, known []string) []string {
	c, cli, err := d.connect()
	if err != nil {
		return nil
	}
	res, err := cli.ContainerList(ctx, client.ContainerListOptions{All: true,
		Filters: make(client.Filters).Add("label", labelService+"="+c.service)})
	if err != nil {
		return nil
	}
	var out []string
	for _, ct := range res.Items {
		rid := ct.Labels[labelRID]
		if slices.Contains(known, rid) {
			continue
		}
		name := strings.TrimPrefix(strings.Join(ct.Names, ","), "/")
		out = append(out, fmt.Sprintf("%s container %s (%s, %s) is labelled %s but is no resource of the service: remove it with %s rm -f %s",
			d.engine, name, rid, ct.State, c.service, d.engine, name))
	}
	return out
}
