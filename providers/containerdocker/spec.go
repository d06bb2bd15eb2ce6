package containerdocker

import (
	"github.com/omhcl/omhcl/providers"
	"github.com/zclconf/go-cty/cty"
)

func init() {
	providers.Register(newSpec("docker", "/var/run/docker.sock"))
	providers.Register(newSpec("podman", "/run/podman/podman.sock"))
}

// newSpec is the spec of one engine: the types differ only by their
// default socket and the command their plans read like.
func newSpec(engine, socket string) *providers.Spec {
	str := func(name, doc string) providers.AttrSpec {
		return providers.AttrSpec{Name: name, Type: cty.String, Doc: doc}
	}
	list := cty.List(cty.String)
	strMap := cty.Map(cty.String)
	return &providers.Spec{
		Kind: "container",
		Type: engine,
		// a container started anew has a new network namespace: those
		// sharing it (netns = container.X.rid) restart after it
		FreshStart: true,
		Doc:        "A " + engine + " container, driven through the engine's API socket: created if missing, started, and recreated when its configuration drifts.",
		Attrs: []providers.AttrSpec{
			{Name: "image", Type: cty.String, Required: true, Doc: "The image: a local one works with pull = \"missing\"."},
			str("name", "The container name (default SERVICE.container.NAME)."),
			{Name: "socket", Type: cty.String, Doc: "The engine's API unix socket (default: the unix socket $" + hostEnv[engine] + " names, else " + socket + ")."},
			{Name: "command", Type: list, Words: true, Doc: `The command and its arguments (Docker's exec form): ["httpd", "-f"], or one string split as a shell would, without running one ("httpd -f", as docker-compose takes it). Default: the image's.`},
			{Name: "entrypoint", Type: list, Words: true, Doc: "The entrypoint: a list, or one string split as a shell would. Default: the image's."},
			str("hostname", "The container's host name."),
			{Name: "env", Type: strMap, Doc: "Environment variables."},
			{Name: "volumes", Type: list, Doc: `Bind mounts "SRC:DST[:ro]": "${fs.data.mnt}:/data".`},
			{Name: "netns", Type: cty.String, Default: cty.StringVal("none"), Doc: `Network namespace: "none", "host", or container.X.rid to share that container's.`},
			{Name: "rm", Type: cty.Bool, Default: cty.False, InPlace: true, Doc: "Remove the container on stop."},
			{Name: "privileged", Type: cty.Bool, Default: cty.False, Doc: "Run privileged."},
			{Name: "cap_add", Type: cty.List(cty.String), Doc: `Capabilities added to the container's ("NET_ADMIN": an agent inside plumbing addresses).`},
			str("user", "The user the command runs as, inside the container."),
			{Name: "pull", Type: cty.String, Default: cty.StringVal("missing"), InPlace: true, Doc: `When to pull the image: "missing", "always" or "never".`},
			{Name: "start_timeout", Type: cty.String, Default: cty.StringVal("60s"), InPlace: true, Doc: "How long start waits for the container to run (and be healthy); a pull gets as long again."},
			{Name: "stop_timeout", Type: cty.String, Default: cty.StringVal("10s"), InPlace: true, Doc: "How long stop waits after the stop signal before killing."},
			{Name: "labels", Type: strMap, Doc: "Extra labels."},
		},
		Exposed: []providers.AttrSpec{
			{Name: "container_id", Type: cty.String, Doc: "The container's id."},
			{Name: "pid", Type: cty.Number, Doc: "The pid of the container's init process."},
			{Name: "netns_path", Type: cty.String, Doc: "/proc/PID/ns/net of the init process."},
		},
		// with netns = "host" it runs in the node's network namespace: the
		// addresses its level inside plumbed stay on the node when it dies
		NodeNetwork: func(r *providers.Resource) bool { return r.Str("netns") == "host" },
		New:         func(r *providers.Resource) (providers.Driver, error) { return newDriver(r, engine) },
	}
}
