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
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"syscall"
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
// included (a 20 MB copy). ConvergeTimeout bounds a converge, which runs
// the drivers' own timeouts (an app's 60 s by default) one after another.
const (
	StatusTimeout   = 20 * time.Second
	ConvergeTimeout = 10 * time.Minute
)

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
	// Pulled takes a newer configuration the agent in h holds (edited
	// inside its container) to the cluster; nil: it is only reported. A
	// *Refusal says the node does not take it.
	Pulled func(h plan.EncapHost, e *state.ConfigEntry) error
	// DaemonRuns says whether a daemon runs on the node (nil: none), to
	// take what Pulled would: only for the note of a status without Pulled.
	DaemonRuns func() bool
}

var _ plan.EncapAgents = (*Agents)(nil)

// call is one agent invocation: om agent VERB SERVICE ARGS inside x.
type call struct {
	h    plan.EncapHost
	x    providers.Executor
	verb string
	args []string
}

// run runs c, installing the agent first when it is missing, of another
// build or broken (it crashes, or answers without the proof of an om
// agent), and pushing the configuration when the agent has none or an
// older one; each at most once.
func (a *Agents) run(ctx context.Context, c call) (stdout []byte, err error) {
	bin, err := a.binary()
	if err != nil {
		return nil, err
	}
	nonce := newNonce()
	installed, pushed := false, false
	for {
		argv := append(c.argv(bin.sha, nonce), a.configArgs(c.h.Service)...)
		out, errOut, code, err := c.x.Exec(ctx, argv)
		v := judge(c, nonce, out, errOut, code, err)
		switch {
		case v.ok:
			return v.out, nil
		case v.install != "" && !installed:
			installed = true
			if err := a.install(ctx, c, bin, v.install); err != nil {
				return nil, err
			}
		case v.push && !pushed:
			pushed = true
			if err := a.pushConfig(ctx, c); err != nil {
				return nil, err
			}
		case v.install != "":
			return nil, fmt.Errorf("%s (%s): %s, even after the node installed its own", c.h.Container, c.h.Node, v.install)
		default:
			return nil, v.err
		}
	}
}

// verdict is what to make of one agent call.
type verdict struct {
	ok      bool
	out     []byte // stdout without the proof line
	install string // why the agent must be (re)installed
	push    bool   // the agent needs the node's configuration
	err     error
}

// judge reads an agent call's outcome. Only an exit 0 with the proof line
// (the call's nonce) is an answer: an agent that crashed, was killed or
// is not om at all must never pass for one that reported nothing.
func judge(c call, nonce string, out, errOut []byte, code int, err error) verdict {
	msg := strings.TrimSpace(string(errOut))
	switch {
	case err != nil && notFound(err, errOut):
		return verdict{install: "no om agent at " + AgentPath}
	case err != nil:
		return verdict{err: fmt.Errorf("%s (%s): run the agent: %w", c.h.Container, c.h.Node, err)}
	case code == 0:
		if body, ok := cutProof(out, nonce); ok {
			return verdict{ok: true, out: body}
		}
		return verdict{install: fmt.Sprintf("the program at %s exited 0 without an om agent's answer", AgentPath)}
	case code == ExitMismatch:
		return verdict{install: fmt.Sprintf("the om agent at %s is another build (%s)", AgentPath, msg)}
	case code == 126 || code == 127:
		return verdict{install: fmt.Sprintf("the om agent at %s does not run (exit %d: %s)", AgentPath, code, msg)}
	case code >= 128:
		return verdict{install: fmt.Sprintf("the om agent at %s was killed by signal %d (%s)", AgentPath, code-128, syscall.Signal(code-128))}
	case code == exitNoConfig:
		return verdict{push: true, err: agentError(c, code, errOut)}
	}
	return verdict{err: agentError(c, code, errOut)}
}

// install copies the node's om into the container beside the agent's
// path, and has it move itself there: a copy cut short (a kill, a full
// disk) never leaves a truncated agent in place.
func (a *Agents) install(ctx context.Context, c call, bin build, why string) error {
	next := AgentPath + ".new"
	fail := func(err error) error {
		return fmt.Errorf("%s (%s): %s, and the node's cannot be installed: %w; install om (the node's build, sha256 %.12s) at %s in the image",
			c.h.Container, c.h.Node, why, err, bin.sha, AgentPath)
	}
	if err := c.x.CopyIn(ctx, bin.path, next, 0o755); err != nil {
		return fail(err)
	}
	_, errOut, code, err := c.x.Exec(ctx, []string{next, "agent", "install", AgentPath})
	if err == nil && code != 0 {
		err = fmt.Errorf("%s agent install: exit %d: %s", next, code, strings.TrimSpace(string(errOut)))
	}
	if err != nil {
		return fail(err)
	}
	return nil
}

// argv is the command the container runs.
func (c call) argv(sha, nonce string) []string {
	argv := []string{AgentPath, "agent", c.verb, c.h.Service, "--node", c.h.Node, "--expect", sha, "--nonce", nonce}
	return append(argv, c.args...)
}

// ProofLine is the last line an agent writes on success: the call's
// nonce, which nothing but an om agent answering this call prints.
func ProofLine(nonce string) string { return "omhcl-agent " + nonce + " done" }

// cutProof returns out without its proof line, and whether it was there.
func cutProof(out []byte, nonce string) ([]byte, bool) {
	body := strings.TrimRight(string(out), "\n")
	i := strings.LastIndexByte(body, '\n')
	if body[i+1:] != ProofLine(nonce) {
		return nil, false
	}
	return []byte(body[:i+1]), true
}

func newNonce() string {
	b := make([]byte, 8)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// agentError is a failed agent call, with what the agent said.
func agentError(c call, code int, errOut []byte) error {
	msg := strings.TrimSpace(string(errOut))
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
		var rc reconciled
		rc, err = a.reconcile(ctx, c, rep.Config)
		st.ConfigNote, st.NewerConfig, st.ConfigRefused = rc.note, rc.newer, rc.refused
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
	ctx, cancel := context.WithTimeout(ctx, ConvergeTimeout)
	defer cancel()
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
