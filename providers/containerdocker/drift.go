package containerdocker

import (
	"context"
	"encoding/json"
	"sort"
	"strings"

	"github.com/moby/moby/client"
	"github.com/omhcl/omhcl/providers"
)

// fingerprint is what shapes a created container, attribute by attribute,
// as recorded in its omhcl.config label. rm, pull and the timeouts are
// not there: they change what stop and start do, not the container.
func (c *config) fingerprint() map[string]string {
	enc := func(v any) string {
		b, _ := json.Marshal(v)
		return string(b)
	}
	fp := map[string]string{
		"image":      c.image,
		"command":    enc(c.command),
		"entrypoint": enc(c.entrypoint),
		"hostname":   c.hostname,
		"env":        enc(c.envList()),
		"volumes":    enc(c.volumes),
		"netns":      c.netns,
		"privileged": enc(c.privileged),
		"user":       c.user,
		"labels":     enc(c.labels),
	}
	if len(c.capAdd) > 0 { // absent otherwise: containers made before it do not drift
		fp["cap_add"] = enc(c.capAdd)
	}
	return fp
}

func (c *config) fingerprintLabel() string {
	b, _ := json.Marshal(c.fingerprint())
	return string(b)
}

// Drift lists the attributes the running container was not created with;
// nil when there is no container or the engine cannot tell.
func (d *driver) Drift(ctx context.Context) []string {
	c, errs := parseConfig(d.r, d.engine)
	if len(errs) > 0 || c.complete() != nil {
		return nil
	}
	cli, err := engineClient(c.socket)
	if err != nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, queryTimeout)
	defer cancel()
	f, err := lookup(ctx, cli, c.service, c.rid)
	if err != nil || f == nil {
		return nil
	}
	return drift(ctx, cli, c, f)
}

// drift compares the recorded configuration with c, and a shared network
// namespace with the container that holds it now: a micro-container must
// follow a recreated pause container.
func drift(ctx context.Context, cli *client.Client, c *config, f *found) []string {
	rec := f.recorded()
	out := providers.ChangedKeys(rec, c.fingerprint())
	if rec["netns"] == c.netns && strings.HasPrefix(c.netns, "container#") && f.inspect.HostConfig != nil {
		mode := string(f.inspect.HostConfig.NetworkMode)
		if owner, err := lookup(ctx, cli, c.service, c.netns); err == nil && owner != nil &&
			strings.HasPrefix(mode, "container:") && mode != "container:"+owner.id {
			out = append(out, "netns")
		}
	}
	if f.inspect.Name != "" && strings.TrimPrefix(f.inspect.Name, "/") != c.name {
		out = append(out, "name")
	}
	sort.Strings(out)
	return out
}
