// Package containerlxc is the container.lxc driver: a system container run
// by the lxc-* tools (the Go bindings need cgo; the tools keep the binaries
// static).
package containerlxc

import (
	"path/filepath"
	"strings"

	"github.com/omhcl/omhcl/providers"
	"github.com/zclconf/go-cty/cty"
)

func init() { providers.Register(Spec) }

// Spec is the container.lxc driver spec.
var Spec = &providers.Spec{
	Kind: "container",
	Type: "lxc",
	// started anew, it has a new network namespace
	FreshStart: true,
	Doc:        "A system container run by the lxc tools. Provision creates it from a template (lxc-create), unprovision destroys it and its rootfs (lxc-destroy).",
	Attrs: []providers.AttrSpec{
		{Name: "name", Type: cty.String, Doc: `Container name, unique on the node (default "SERVICE.RESOURCE").`},
		{Name: "hostname", Type: cty.String, Doc: "Hostname inside the container, lxc.uts.name, written at each start (default: the template's, the container name)."},
		{Name: "lxcpath", Type: cty.String, Default: cty.StringVal(defaultLXCPath), Doc: "Directory holding the container (lxc-* -P)."},
		{Name: "template", Type: cty.String, Default: cty.StringVal("busybox"), Doc: "lxc-create template used by provision; busybox works offline."},
		{Name: "start_timeout", Type: cty.String, Default: cty.StringVal("30s"), InPlace: true, Doc: "How long start waits for the container to be RUNNING."},
		{Name: "stop_timeout", Type: cty.String, Default: cty.StringVal("10s"), InPlace: true, Doc: "How long stop waits for a clean shutdown before killing the container."},
		{Name: "config", Type: cty.Map(cty.String), Doc: `Extra lxc.* keys written to the container's config at each start: {"lxc.cgroup2.memory.max" = "256M"}. Without lxc.net.* keys the container gets no network of its own (lxc.net.0.type = empty).`},
	},
	Exposed: []providers.AttrSpec{
		{Name: "pid", Type: cty.Number, Doc: "Host pid of the container's init, once running."},
		{Name: "netns_path", Type: cty.String, Doc: "Its network namespace, /proc/PID/ns/net, where ip.netns plumbs addresses."},
		{Name: "rootfs", Type: cty.String, Doc: "Host path of its root filesystem, once provisioned, when it is a directory (dir backend); unknown for overlay and block backends."},
	},
	Provisionable: true,
	New:           New,
}

// defaultLXCPath is lxc's own default (lxc-config lxc.lxcpath), written
// out so that plans name it.
const defaultLXCPath = "/var/lib/lxc"

// New checks the known attributes of r and returns its driver.
func New(r *providers.Resource) (providers.Driver, error) {
	d := &driver{r: r}
	var errs []*providers.AttrError
	if n := r.Str("name"); n != "" && n != providers.Unknown && !providers.PlainName(n) {
		errs = append(errs, providers.Invalid("name", "name %q must be letters, digits, '.', '_' or '-' (it is a directory under lxcpath)", n))
	}
	if h := r.Str("hostname"); h != "" && h != providers.Unknown && !providers.PlainName(h) {
		errs = append(errs, providers.Invalid("hostname", "hostname %q must be letters, digits, '.', '_' or '-'", h))
	}
	if p := d.lxcpath(); p != providers.Unknown && !filepath.IsAbs(p) {
		errs = append(errs, providers.Invalid("lxcpath", "lxcpath %q must be an absolute path", p))
	}
	errs = append(errs, r.CheckDurations("start_timeout", "stop_timeout")...)
	errs = append(errs, checkConfig(r.StringMap("config"))...)
	if err := providers.Refuse(r, errs); err != nil {
		return nil, err
	}
	return d, nil
}

// checkConfig refuses keys outside lxc.* and values that would break the
// one-line "key = value" format of the config file.
func checkConfig(cfg map[string]string) []*providers.AttrError {
	var errs []*providers.AttrError
	for _, k := range sortedKeys(cfg) {
		switch {
		case !strings.HasPrefix(k, "lxc.") || strings.ContainsAny(k, " =\n\r\t"):
			errs = append(errs, providers.Invalid("config", "config key %q must be an lxc.* key without spaces or '='", k))
		case strings.ContainsAny(cfg[k], "\n\r"):
			errs = append(errs, providers.Invalid("config", "config value of %s must be one line", k))
		}
	}
	return errs
}
