package app

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/omhcl/omhcl/internal/cmdline"
	"github.com/omhcl/omhcl/providers"
)

const (
	defaultRetcodes     = "0:up 1:down"
	defaultTimeout      = 60 * time.Second
	defaultCheckTimeout = 10 * time.Second
	defaultKillTimeout  = 10 * time.Second
)

// command is one command attribute, parsed.
type command struct {
	name    string   // the attribute: "start", "stop", ...
	words   []string // the string split into words
	argv    []string // what runs: the words, or a shell running the string
	display string   // argv as logged: "/svc1/app/launcher start"
}

// config is a resource's attributes, parsed and checked.
type config struct {
	start, stop, check, info *command // nil when not set

	timeout, startTimeout, stopTimeout, checkTimeout, killTimeout time.Duration

	environment map[string]string
	user        string // "" runs as the engine's user
	cwd         string
	umask       string // octal, "" to inherit
	retcodes    retcodes

	// unknown lists the attributes not known yet (during planning).
	unknown []string
}

// complete fails when some attribute is not known yet.
func (c *config) complete() error {
	if len(c.unknown) > 0 {
		return fmt.Errorf("attributes not known yet: %s", strings.Join(c.unknown, ", "))
	}
	return nil
}

// parseConfig parses and checks the known attributes of r; unknown ones keep
// their zero value and are listed in config.unknown.
func parseConfig(r *providers.Resource) (*config, error) {
	p := attrParser{r: r}
	c := &config{
		start:       p.command("start"),
		stop:        p.command("stop"),
		check:       p.command("check"),
		info:        p.command("info"),
		timeout:     p.duration("timeout", defaultTimeout),
		environment: p.environment(),
		user:        p.str("user"),
		cwd:         p.str("cwd"),
		umask:       p.umask(),
		retcodes:    p.retcodes(),
	}
	c.startTimeout = p.duration("start_timeout", c.timeout)
	c.stopTimeout = p.duration("stop_timeout", c.timeout)
	c.checkTimeout = p.duration("check_timeout", min(c.timeout, defaultCheckTimeout))
	c.killTimeout = p.duration("kill_timeout", defaultKillTimeout)
	if c.cwd == "" {
		c.cwd = "/"
	}
	if c.start == nil && p.known("start") && p.err == nil {
		p.err = fmt.Errorf("start: a start command is required")
	}
	if p.err != nil {
		return nil, fmt.Errorf("%s: %w", r.RID(), p.err)
	}
	c.unknown = p.unknown
	return c, nil
}

// attrParser reads attributes, keeping the first error and the names of the
// attributes not known yet.
type attrParser struct {
	r       *providers.Resource
	err     error
	unknown []string
}

func (p *attrParser) fail(name string, err error) {
	if p.err == nil {
		p.err = fmt.Errorf("%s: %w", name, err)
	}
}

// known reports whether the attribute is known, recording it otherwise.
func (p *attrParser) known(name string) bool {
	if p.r.Known(name) {
		return true
	}
	if !slices.Contains(p.unknown, name) {
		p.unknown = append(p.unknown, name)
	}
	return false
}

func (p *attrParser) str(name string) string {
	if !p.known(name) {
		return ""
	}
	return p.r.Str(name)
}

func (p *attrParser) command(name string) *command {
	s := p.str(name)
	if strings.TrimSpace(s) == "" {
		return nil
	}
	parsed, err := cmdline.Parse(s)
	if err != nil {
		p.fail(name, err)
		return nil
	}
	argv := parsed.Argv(s)
	return &command{name: name, words: parsed.Words, argv: argv, display: cmdline.Join(argv)}
}

func (p *attrParser) duration(name string, def time.Duration) time.Duration {
	s := p.str(name)
	if s == "" {
		return def
	}
	d, err := providers.PositiveDuration(s)
	if err != nil {
		p.fail(name, err)
		return def
	}
	return d
}

func (p *attrParser) environment() map[string]string {
	if !p.known("environment") {
		return nil
	}
	env := p.r.StringMap("environment")
	for _, k := range slices.Sorted(maps.Keys(env)) {
		if k == "" || strings.ContainsAny(k, "=\x00") || strings.ContainsRune(env[k], 0) {
			p.fail("environment", fmt.Errorf("variable %q: a name must be non-empty without '=' nor NUL, a value without NUL", k))
			return nil
		}
	}
	return env
}

func (p *attrParser) umask() string {
	s := p.str("umask")
	if s == "" {
		return ""
	}
	v, err := strconv.ParseUint(s, 8, 32)
	if err != nil || v > 0o777 {
		p.fail("umask", fmt.Errorf("%q is not an octal mode from 000 to 777", s))
		return ""
	}
	return fmt.Sprintf("%04o", v)
}

func (p *attrParser) retcodes() retcodes {
	s := p.str("retcodes")
	if s == "" {
		s = defaultRetcodes
	}
	rc, err := parseRetcodes(s)
	if err != nil {
		p.fail("retcodes", err)
	}
	return rc
}
