package containerdocker

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/omhcl/omhcl/providers"
)

// Operations reads like the commands an operator knows. It is pure: a
// container shared by netns is named by its default name, since only the
// node's engine knows the one its labels find.
func (d *driver) Operations(_ context.Context, a providers.Action) []string {
	c := d.config()
	switch a {
	case providers.ActStart:
		return c.startOps()
	case providers.ActStop:
		ops := []string{fmt.Sprintf("%s stop --time %d %s (kill after %s)", c.engine, seconds(c.stopWait), c.name, c.stopWait)}
		if c.rm {
			ops = append(ops, fmt.Sprintf("%s rm %s", c.engine, c.name))
		}
		return ops
	}
	return nil
}

func (c *config) startOps() []string {
	var ops []string
	switch c.pull {
	case "missing":
		ops = append(ops, fmt.Sprintf("%s pull %s (if not present)", c.engine, c.image))
	case "always":
		ops = append(ops, fmt.Sprintf("%s pull %s", c.engine, c.image))
	}
	return append(ops,
		c.createLine(),
		fmt.Sprintf("%s start %s", c.engine, c.name),
		fmt.Sprintf("wait until %s runs (and is healthy, with a health check) within %s", c.name, c.startWait))
}

// createLine is the create as a docker create command line.
func (c *config) createLine() string {
	w := []string{c.engine, "create", "--name", c.name}
	keys := func(m map[string]string) []string {
		var ks []string
		for k := range m {
			ks = append(ks, k)
		}
		sort.Strings(ks)
		return ks
	}
	for _, k := range keys(c.labels) {
		w = append(w, "--label", k+"="+c.labels[k])
	}
	w = append(w, "--label", labelService+"="+c.service, "--label", labelRID+"="+c.rid)
	for _, e := range c.envList() {
		w = append(w, "--env", e)
	}
	for _, v := range c.volumes {
		w = append(w, "--volume", v)
	}
	if c.hostname != "" {
		w = append(w, "--hostname", c.hostname)
	}
	if c.user != "" {
		w = append(w, "--user", c.user)
	}
	if c.privileged {
		w = append(w, "--privileged")
	}
	for _, cp := range c.capAdd {
		w = append(w, "--cap-add", cp)
	}
	if len(c.entrypoint) > 0 {
		w = append(w, "--entrypoint", strings.Join(c.entrypoint, " "))
	}
	w = append(w, "--net", c.netDisplay(), c.image)
	return strings.Join(append(w, c.command...), " ")
}

// netDisplay is the --net value: a shared namespace by its default name.
func (c *config) netDisplay() string {
	if owner, ok := strings.CutPrefix(c.netns, "container#"); ok {
		return "container:" + c.service + ".container." + owner
	}
	return c.netns
}

// seconds is d rounded up: the API takes whole seconds.
func seconds(d interface{ Seconds() float64 }) int {
	s := d.Seconds()
	n := int(s)
	if float64(n) < s {
		n++
	}
	return n
}
