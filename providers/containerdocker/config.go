package containerdocker

import (
	"fmt"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/omhcl/omhcl/providers"
)

// config is a resource's attributes, checked. Unknown values (a volume
// source another resource exposes once up) are kept as providers.Unknown.
type config struct {
	engine     string // "docker" or "podman"
	service    string
	rid        string
	name       string
	image      string
	socket     string
	command    []string
	entrypoint []string
	hostname   string
	env        map[string]string
	volumes    []string
	netns      string // "none", "host" or a rid "container#X"
	rm         bool
	privileged bool
	capAdd     []string
	user       string
	pull       string
	startWait  time.Duration
	stopWait   time.Duration
	labels     map[string]string
}

// parseConfig reads r's attributes and reports every bad one.
func parseConfig(r *providers.Resource, engine string) (*config, []*providers.AttrError) {
	c := &config{
		engine: engine, service: r.Service, rid: r.RID(),
		name: r.Str("name"), image: r.Str("image"), socket: r.Str("socket"),
		command: strings_(r, "command"), entrypoint: strings_(r, "entrypoint"),
		hostname: r.Str("hostname"), env: stringMap(r, "env"), volumes: strings_(r, "volumes"),
		netns: r.Str("netns"), rm: r.Bool("rm"), privileged: r.Bool("privileged"), capAdd: strings_(r, "cap_add"),
		user: r.Str("user"), pull: r.Str("pull"), labels: stringMap(r, "labels"),
	}
	var errs []*providers.AttrError
	if c.name == "" {
		c.name = defaultName(r)
	}
	if c.socket == "" {
		c.socket = defaultSocket(engine)
	}
	if c.netns == "" {
		c.netns = "none"
	}
	if c.pull == "" {
		c.pull = "missing"
	}
	switch c.pull {
	case "missing", "always", "never", providers.Unknown:
	default:
		errs = append(errs, providers.Invalid("pull", `%s: pull is %q: want "missing", "always" or "never"`, c.rid, c.pull))
	}
	if c.netns != "none" && c.netns != "host" && c.netns != providers.Unknown && !strings.HasPrefix(c.netns, "container#") {
		errs = append(errs, providers.Invalid("netns", `%s: netns is %q: want "none", "host" or a container rid (container.X.rid)`, c.rid, c.netns))
	}
	if c.netns == c.rid {
		errs = append(errs, providers.Invalid("netns", "%s: netns names the container itself", c.rid))
	}
	for _, v := range c.volumes {
		if err := checkVolume(v); err != nil {
			errs = append(errs, providers.Invalid("volumes", "%s: volume %q: %v", c.rid, v, err))
		}
	}
	c.startWait, errs = duration(r, "start_timeout", 60*time.Second, errs)
	c.stopWait, errs = duration(r, "stop_timeout", 10*time.Second, errs)
	return c, errs
}

var defaultSockets = map[string]string{"docker": "/var/run/docker.sock", "podman": "/run/podman/podman.sock"}

// hostEnv names the variable that points each engine's clients at another
// socket, as its own CLI reads it: a node whose engine listens elsewhere
// sets it once for the daemon instead of in every service.
var hostEnv = map[string]string{"docker": "DOCKER_HOST", "podman": "CONTAINER_HOST"}

// defaultSocket is the socket of an engine when the resource names none:
// the unix socket its host variable names, else the engine's usual one.
func defaultSocket(engine string) string {
	if sock, ok := strings.CutPrefix(os.Getenv(hostEnv[engine]), "unix://"); ok && sock != "" {
		return sock
	}
	return defaultSockets[engine]
}

// defaultName is unique per node: one service has one resource per rid.
func defaultName(r *providers.Resource) string {
	return r.Service + "." + r.Kind + "." + r.Name
}

func duration(r *providers.Resource, name string, def time.Duration, errs []*providers.AttrError) (time.Duration, []*providers.AttrError) {
	s := r.Str(name)
	if s == "" || s == providers.Unknown {
		return def, errs
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return def, append(errs, providers.Invalid(name, "%s: %s is %q: want a duration like 10s", r.RID(), name, s))
	}
	return d, errs
}

// checkVolume accepts "SRC:DST" and "SRC:DST:ro" (or rw) with absolute paths.
func checkVolume(v string) error {
	if strings.Contains(v, providers.Unknown) {
		return nil
	}
	f := strings.Split(v, ":")
	if len(f) < 2 || len(f) > 3 {
		return fmt.Errorf("want SRC:DST or SRC:DST:ro")
	}
	if !strings.HasPrefix(f[0], "/") || !strings.HasPrefix(f[1], "/") {
		return fmt.Errorf("SRC and DST must be absolute paths")
	}
	if len(f) == 3 && f[2] != "ro" && f[2] != "rw" {
		return fmt.Errorf("option %q: want ro or rw", f[2])
	}
	return nil
}

// envList is env as the API wants it, sorted so it compares.
func (c *config) envList() []string {
	var out []string
	for k, v := range c.env {
		out = append(out, k+"="+v)
	}
	sort.Strings(out)
	return out
}

// complete reports an unknown value: actions need every value.
func (c *config) complete() error {
	for k, v := range c.fingerprint() {
		if strings.Contains(v, providers.Unknown) {
			return fmt.Errorf("%s: %s is not known yet", c.rid, k)
		}
	}
	if strings.Contains(c.name+c.socket, providers.Unknown) {
		return fmt.Errorf("%s: name or socket is not known yet", c.rid)
	}
	return nil
}

// strings_ is a list attribute; one Unknown element when it is not known,
// so plans print it.
func strings_(r *providers.Resource, name string) []string {
	if !r.Known(name) {
		return []string{providers.Unknown}
	}
	return r.Strings(name)
}

func stringMap(r *providers.Resource, name string) map[string]string {
	if !r.Known(name) {
		return map[string]string{providers.Unknown: providers.Unknown}
	}
	return r.StringMap(name)
}
