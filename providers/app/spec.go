package app

import (
	"github.com/omhcl/omhcl/providers"
	"github.com/zclconf/go-cty/cty"
)

func init() {
	providers.Register(&providers.Spec{
		Kind:    "app",
		Type:    "forking",
		Default: true,
		Doc:     "An application launcher: start returns once its daemon runs in the background; check reports its state.",
		Attrs:   commonAttrs("the launcher's start command: it must return once the application runs"),
		New:     func(r *providers.Resource) (providers.Driver, error) { return newForking(r) },
	})
	providers.Register(&providers.Spec{
		Kind: "app",
		Type: "simple",
		Doc:  "A long-running process started and kept by omhcl, detached in its own session, tracked by a pid file.",
		Attrs: append(commonAttrs("the long-running command: it must not return while the application runs"),
			providers.AttrSpec{Name: "kill_timeout", Type: cty.String, Default: cty.StringVal("10s"), InPlace: true,
				Doc: "how long stop waits after SIGTERM (or the stop command) before SIGKILL"}),
		New: func(r *providers.Resource) (providers.Driver, error) { return newSimple(r) },
	})
}

// commonAttrs are the attributes of both app types. Only what shapes the
// running process (start, environment, user, cwd, umask) needs a restart
// when it changes; the other commands and timeouts apply in place.
func commonAttrs(startDoc string) []providers.AttrSpec {
	str := func(name, doc string) providers.AttrSpec {
		return providers.AttrSpec{Name: name, Type: cty.String, Doc: doc}
	}
	inPlace := func(name, doc string) providers.AttrSpec {
		return providers.AttrSpec{Name: name, Type: cty.String, Doc: doc, InPlace: true}
	}
	return []providers.AttrSpec{
		{Name: "start", Type: cty.String, Required: true, Doc: startDoc},
		inPlace("stop", "the stop command"),
		inPlace("check", "the status command: its exit code maps to a state through retcodes"),
		inPlace("info", "a command printing information about the application"),
		{Name: "timeout", Type: cty.String, Default: cty.StringVal("60s"), Doc: "default timeout of every command", InPlace: true},
		inPlace("start_timeout", "start command timeout (default: timeout)"),
		inPlace("stop_timeout", "stop command timeout (default: timeout)"),
		inPlace("check_timeout", "check command timeout (default: timeout, at most 10s)"),
		{Name: "environment", Type: cty.Map(cty.String), Doc: "extra environment variables of the commands"},
		str("user", "run the commands as this user, with its groups (default: the engine's user)"),
		str("cwd", `working directory of the commands (default "/")`),
		{Name: "retcodes", Type: cty.String, Default: cty.StringVal(defaultRetcodes), InPlace: true,
			Doc: `check exit code to state: "0:up 1:down 3:n/a"; an unlisted code is warn`},
		str("umask", `octal umask of the commands: "022"`),
	}
}
