// Package encap reaches the agent inside the containers of encapsulated
// services (seed 002): the node's own om binary, installed into the
// container through its driver's Executor (the engine API's archive upload
// for docker and podman, the rootfs for lxc) and run there through the
// engine's exec (lxc-attach for lxc). The agent evaluates the service for
// its encap node (the container's host name) and drives the resources
// tagged encap through its own engine: there is one path from a decision
// to driver calls, at each level.
//
// Every call names the agent build it expects (the SHA-256 of the node's
// om): a missing agent, or another build, is replaced by the node's and
// the call made again; an agent that cannot be installed is an error that
// names the container and what to do.
//
// Statuses are cached in the node's state directory, keyed by the
// container's identity, and reused for MaxAge: a status round does not run
// an agent per container on every check, as the peers do.
package encap

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/omhcl/omhcl/plan"
	"github.com/omhcl/omhcl/providers"
	"github.com/omhcl/omhcl/state"
)

// AgentPath is where the agent lives inside containers: on the PATH of
// most images, so `docker exec vm1 om status` works as on a node.
const AgentPath = "/usr/local/bin/om"

// DefaultMaxAge is how long a status from an agent is reused.
const DefaultMaxAge = 30 * time.Second

// StatusTimeout bounds an agent's status report, its installation
// included (a 20 MB copy).
const StatusTimeout = 20 * time.Second

// Exit codes of the agent protocol (om agent ...).
const (
	// ExitMismatch: the agent is not the build the node expects.
	ExitMismatch = 3
)

// Agents implements plan.EncapAgents for one node.
type Agents struct {
	Store *state.Store
	// Binary is the om the node installs; "" finds it (Self).
	Binary string
	// MaxAge bounds the reuse of a cached status; 0 is DefaultMaxAge.
	// MonitoredMaxAge bounds it for levels with monitored resources, which
	// the daemon restarts when they die (0: MaxAge).
	MaxAge, MonitoredMaxAge time.Duration
	// Config returns the node's configuration of a service, pushed to
	// agents that have an older one (nil: none to push).
	Config func(svc string) *state.ConfigEntry
	// Pulled takes a newer configuration an agent holds (edited inside its
	// container) to the cluster; nil: it is only reported.
	Pulled func(e *state.ConfigEntry) error
}

var _ plan.EncapAgents = (*Agents)(nil)

// call is one agent invocation: om agent VERB SERVICE ARGS inside x.
type call struct {
	h    plan.EncapHost
	x    providers.Executor
	verb string
	args []string
}

// run runs c, installing the agent and pushing the configuration first
// when the agent is missing, another build, or lacks the configuration.
func (a *Agents) run(ctx context.Context, c call) (stdout []byte, err error) {
	bin, err := a.binary()
	if err != nil {
		return nil, err
	}
	installed, pushed := false, false
	for {
		out, errOut, code, err := c.x.Exec(ctx, append(c.argv(bin.sha), a.configArgs(c.h.Service)...))
		missing := err != nil && notFound(err, errOut)
		switch {
		case err != nil && !missing:
			return nil, fmt.Errorf("%s (%s): run the agent: %w", c.h.Container, c.h.Node, err)
		case !missing && code == 0:
			return out, nil
		case !installed && (missing || code == ExitMismatch || code == 126 || code == 127):
			installed = true
			why := "no om agent at " + AgentPath
			if code == ExitMismatch {
				why = fmt.Sprintf("the om agent at %s is another build (%s)", AgentPath, strings.TrimSpace(string(errOut)))
			}
			if err := c.x.CopyIn(ctx, bin.path, AgentPath, 0o755); err != nil {
				return nil, fmt.Errorf("%s (%s): %s, and the node's cannot be installed: %w; install om (the node's build, sha256 %.12s) at %s in the image",
					c.h.Container, c.h.Node, why, err, bin.sha, AgentPath)
			}
		case !pushed && code == exitNoConfig:
			pushed = true
			if err := a.pushConfig(ctx, c); err != nil {
				return nil, err
			}
		default:
			return nil, agentError(c, code, errOut)
		}
	}
}

// argv is the command the container runs.
func (c call) argv(sha string) []string {
	argv := []string{AgentPath, "agent", c.verb, c.h.Service, "--node", c.h.Node, "--expect", sha}
	return append(argv, c.args...)
}

// agentError is a failed agent call, with what the agent said.
func agentError(c call, code int, errOut []byte) error {
	msg := strings.TrimSpace(string(errOut))
	switch code {
	case ExitMismatch:
		return fmt.Errorf("%s (%s): the om agent at %s is another build than the node's and was not replaced: %s", c.h.Container, c.h.Node, AgentPath, msg)
	case 126, 127:
		return fmt.Errorf("%s (%s): the om agent at %s does not run (exit %d: %s): the image must let a static binary run there", c.h.Container, c.h.Node, AgentPath, code, msg)
	}
	if msg == "" {
		msg = fmt.Sprintf("exit %d", code)
	}
	// the agent's own report, one line: its lines start "om: " or "svc: "
	lines := strings.Split(msg, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimPrefix(strings.TrimPrefix(l, "E "), "om: ")
	}
	return errors.New(strings.Join(lines, "; "))
}

// notFound says whether an exec error means the agent binary is absent.
func notFound(err error, errOut []byte) bool {
	s := err.Error() + string(errOut)
	return strings.Contains(s, "no such file") || strings.Contains(s, "not found") || strings.Contains(s, "executable file")
}

// Status returns the service's status inside x: the cached one when it is
// younger than MaxAge and the container is the same, else the agent's.
func (a *Agents) Status(ctx context.Context, h plan.EncapHost, x providers.Executor, refresh bool) *plan.EncapStatus {
	key := identity(ctx, x)
	if !refresh {
		if st := a.cached(h, key); st != nil {
			return st
		}
	}
	st := &plan.EncapStatus{Node: h.Node, CheckedAt: time.Now().UTC()}
	// a status round must not hang on one agent (a frozen container)
	ctx, cancel := context.WithTimeout(ctx, StatusTimeout)
	defer cancel()
	c := call{h: h, x: x, verb: "status"}
	rep, err := a.report(ctx, c)
	if err == nil {
		st.Instance, st.Orchestrated = rep.live, rep.Orchestrated
		st.ConfigNote, err = a.reconcile(ctx, c, rep.Config)
		if err != nil {
			st.Conflict, err = err.Error(), nil
		}
	}
	if err != nil {
		st.Error = err.Error()
	}
	a.save(h, key, st)
	return st
}

// report is an agent's status report, decoded.
type report struct {
	Report
	live *plan.LiveInstance
}

func (a *Agents) report(ctx context.Context, c call) (*report, error) {
	out, err := a.run(ctx, c)
	if err != nil {
		return nil, err
	}
	r := &report{live: &plan.LiveInstance{}}
	if err := json.Unmarshal(out, &r.Report); err == nil {
		err = json.Unmarshal(r.Live, r.live)
	}
	if err != nil {
		return nil, fmt.Errorf("%s (%s): the agent's status is not its JSON report: %w", c.h.Container, c.h.Node, err)
	}
	return r, nil
}

// Converge asks the agent to converge its level, streaming its log.
func (a *Agents) Converge(ctx context.Context, h plan.EncapHost, x providers.Executor, req plan.EncapRequest, log *providers.Log) error {
	args := []string{"--target", string(req.Target)}
	if len(req.RIDs) > 0 {
		args = append(args, "--rid", strings.Join(req.RIDs, ","))
	}
	log.Op("om agent converge %s --node %s %s (inside %s)", h.Service, h.Node, strings.Join(args, " "), h.Container)
	a.forget(h)
	out, err := a.run(ctx, call{h: h, x: x, verb: "converge", args: args})
	for _, line := range strings.Split(strings.TrimRight(string(out), "\n"), "\n") {
		if line != "" {
			log.Info("%s: %s", h.Node, line)
		}
	}
	a.forget(h)
	return err
}
