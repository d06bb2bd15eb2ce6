package containerlxc

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/omhcl/omhcl/providers"
	"github.com/zclconf/go-cty/cty"
)

var (
	_ providers.ExistChecker = (*driver)(nil)
	_ providers.Executor     = (*driver)(nil)
)

type driver struct {
	r *providers.Resource
}

// name is the container name: set, or the service and resource names,
// which the service and its resource block make unique on the node.
func (d *driver) name() string {
	if n := d.r.Str("name"); n != "" {
		return n
	}
	return d.r.Service + "." + d.r.Name
}

func (d *driver) lxcpath() string {
	if p := d.r.Str("lxcpath"); p != "" {
		return p
	}
	return defaultLXCPath
}

// known reports whether the container's place is known: before apply a
// name may come from another resource.
func (d *driver) known() bool {
	return d.name() != providers.Unknown && d.lxcpath() != providers.Unknown
}

func (d *driver) configPath() string { return filepath.Join(d.lxcpath(), d.name(), "config") }

// exists reports whether lxc knows the container: its config file is
// what lxc-ls and lxc-info look for.
func (d *driver) exists() bool {
	if !d.known() {
		return false
	}
	_, err := os.Stat(d.configPath())
	return err == nil
}

// Exists reports whether the container is there already: provision then
// only rewrites its config.
func (d *driver) Exists(ctx context.Context) bool { return d.exists() }

func (d *driver) info(ctx context.Context) (info, error) {
	if err := lookTools("lxc-info"); err != nil {
		return info{}, err
	}
	out, err := probe(ctx, "lxc-info", "-n", d.name(), "-P", d.lxcpath(), "-s", "-p", "-H")
	if err != nil {
		return info{}, err
	}
	return parseInfo(out)
}

func (d *driver) keys() []keyValue {
	return managedKeys(d.r.Str("hostname"), d.r.StringMap("config"))
}

func (d *driver) startTimeout() time.Duration { return d.r.Duration("start_timeout", 30*time.Second) }
func (d *driver) stopTimeout() time.Duration  { return d.r.Duration("stop_timeout", 10*time.Second) }

// seconds is a timeout as the lxc tools take it: whole seconds, rounded up.
func seconds(t time.Duration) string {
	return fmt.Sprint(max(1, int((t+time.Second-1)/time.Second)))
}

func (d *driver) Describe() string { return "lxc " + d.name() + " in " + d.lxcpath() }

func (d *driver) Status(ctx context.Context) providers.Status {
	if !d.known() {
		return providers.Status{State: providers.Down, Messages: []string{"container name is known after apply"}}
	}
	if err := lookTools("lxc-info"); err != nil {
		return providers.Status{State: providers.Undef, Messages: []string{err.Error()}}
	}
	if !d.exists() {
		return providers.Status{State: providers.Down, Messages: []string{fmt.Sprintf("container %s does not exist in %s: not provisioned", d.name(), d.lxcpath())}}
	}
	in, err := d.info(ctx)
	if err != nil {
		return providers.Status{State: providers.Undef, Messages: []string{err.Error()}}
	}
	switch in.State {
	case "RUNNING":
		return providers.Status{State: providers.Up}
	case "STOPPED":
		return providers.Status{State: providers.Down}
	}
	return providers.Status{State: providers.Warn, Messages: []string{"lxc state " + in.State}}
}

func (d *driver) Exposed(ctx context.Context) map[string]cty.Value {
	out := map[string]cty.Value{
		"pid":        cty.UnknownVal(cty.Number),
		"netns_path": cty.UnknownVal(cty.String),
		"rootfs":     cty.UnknownVal(cty.String),
	}
	if !d.exists() {
		return out
	}
	if rootfs := d.rootfs(); rootfs != "" {
		out["rootfs"] = cty.StringVal(rootfs)
	}
	if in, err := d.info(ctx); err == nil && in.State == "RUNNING" && in.PID > 0 {
		out["pid"] = cty.NumberIntVal(int64(in.PID))
		out["netns_path"] = cty.StringVal(fmt.Sprintf("/proc/%d/ns/net", in.PID))
	}
	return out
}

// rootfs is the host directory of the container's root filesystem, from
// lxc.rootfs.path ("dir:/path" or "/path"); "" for other backends.
func (d *driver) rootfs() string {
	text, err := os.ReadFile(d.configPath())
	if err != nil {
		return ""
	}
	p := strings.TrimPrefix(configValue(string(text), "lxc.rootfs.path"), "dir:")
	if !filepath.IsAbs(p) {
		return ""
	}
	return p
}
