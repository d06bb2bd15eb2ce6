package clusterlab

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"time"
)

// cmdTimeout bounds every command the lab runs for itself and every Run,
// so a hung command fails its caller instead of the whole test binary.
const cmdTimeout = 2 * time.Minute

// runCmd runs argv and returns its combined output; the error names the
// command and carries the output.
func runCmd(argv ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), cmdTimeout)
	defer cancel()
	out, err := exec.CommandContext(ctx, argv[0], argv[1:]...).CombinedOutput()
	if err != nil {
		return string(out), fmt.Errorf("%s: %v: %s", strings.Join(argv, " "), err, strings.TrimSpace(string(out)))
	}
	return string(out), nil
}

// runAll runs the commands in order, stopping at the first failure.
func runAll(cmds ...[]string) error {
	for _, c := range cmds {
		if _, err := runCmd(c...); err != nil {
			return err
		}
	}
	return nil
}

// Result is what a command run as a node printed and returned.
type Result struct {
	Argv   []string
	Stdout string
	Stderr string
	Code   int // exit code; -1 when killed by a signal
}

func (r Result) String() string {
	return fmt.Sprintf("$ %s\nexit %d\nstdout:\n%sstderr:\n%s", strings.Join(r.Argv, " "), r.Code, r.Stdout, r.Stderr)
}

// Err is nil when the command exited 0, else an error showing all of it.
func (r Result) Err() error {
	if r.Code == 0 {
		return nil
	}
	return errors.New(r.String())
}

// nodeEnv is the environment of every command run as node n: the om
// commands read their node name and directories from it.
func nodeEnv(n *Node) []string {
	env := append(os.Environ(),
		"OMHCL_NODE="+n.Name, "OMHCL_STATE_DIR="+n.StateDir, "OMHCL_CONFIG="+n.ConfigDir, "NO_COLOR=1")
	if _, err := os.Stat(n.EngineDir()); err == nil {
		env = append(env, "DOCKER_HOST=unix://"+n.EngineSocket())
	}
	if _, err := os.Stat(n.LibvirtDir()); err == nil {
		env = append(env, "LIBVIRT_DEFAULT_URI="+n.LibvirtURI())
	}
	return env
}

// resolve maps the lab's own binaries (om, omapply, omplan, demoweb) to
// their built paths; any other command is left to PATH.
func (r *Rig) resolve(argv []string) []string {
	out := append([]string{}, argv...)
	switch out[0] {
	case "om", "omapply", "omplan", "demoweb":
		out[0] = r.bin(out[0])
	}
	return out
}

// Run runs argv as node: inside its network namespace (nsenter --net keeps
// the host's mount namespace, as the daemon does), with its OMHCL_*
// environment. om, omapply, omplan and demoweb are the lab's binaries. The
// error is set only when the command could not run at all.
func (r *Rig) Run(node string, argv ...string) (Result, error) {
	return r.runAs(node, nil, argv)
}

// RunInput runs argv as node, as Run does, with input on its stdin: what
// must not be on a command line (the cluster secret).
func (r *Rig) RunInput(node, input string, argv ...string) (Result, error) {
	return r.runAs(node, strings.NewReader(input), argv)
}

func (r *Rig) runAs(node string, stdin io.Reader, argv []string) (Result, error) {
	n, err := r.Node(node)
	if err != nil {
		return Result{}, err
	}
	if len(argv) == 0 {
		return Result{}, errors.New("run: no command")
	}
	full := append([]string{"nsenter", "--net=" + n.NSPath()}, r.resolve(argv)...)
	return runIn(full, nodeEnv(n), argv, stdin)
}

// RunClient runs argv in the client namespace (demoweb get URL).
func (r *Rig) RunClient(argv ...string) (Result, error) {
	if len(argv) == 0 {
		return Result{}, errors.New("run: no command")
	}
	full := append([]string{"nsenter", "--net=/run/netns/" + r.Client}, r.resolve(argv)...)
	return runIn(full, append(os.Environ(), "NO_COLOR=1"), argv, nil)
}

func runIn(full, env, shown []string, stdin io.Reader) (Result, error) {
	ctx, cancel := context.WithTimeout(context.Background(), cmdTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, full[0], full[1:]...)
	cmd.Env, cmd.Stdin = env, stdin
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	res := Result{Argv: shown, Stdout: out.String(), Stderr: errb.String()}
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		res.Code = exit.ExitCode()
	case err != nil:
		return res, fmt.Errorf("%s: %v", strings.Join(shown, " "), err)
	}
	return res, nil
}
