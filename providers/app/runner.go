package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/omhcl/omhcl/internal/cmdline"
	"github.com/omhcl/omhcl/providers"
)

// maxOutput bounds how much of a command's output is kept: its tail.
const maxOutput = 256 << 10

// runner runs a resource's commands in their environment.
type runner struct {
	as    runAs
	env   []string
	dir   string
	umask string
}

func newRunner(r *providers.Resource, c *config) (*runner, error) {
	as, err := lookupRunAs(c.user)
	if err != nil {
		return nil, err
	}
	env := append(os.Environ(), "OMHCL_SERVICE="+r.Service, "OMHCL_NODE="+r.Node, "OMHCL_RID="+r.RID())
	if as.cred != nil {
		env = append(env, "USER="+as.name, "LOGNAME="+as.name, "HOME="+as.home)
	}
	for k, v := range c.environment {
		env = append(env, k+"="+v) // exec keeps the last value of a name
	}
	return &runner{as: as, env: env, dir: c.cwd, umask: c.umask}, nil
}

// command builds the exec.Cmd of argv in a new session, stdin on /dev/null.
// With a nil ctx the process outlives any context (app.simple).
func (rn *runner) command(ctx context.Context, argv []string) *exec.Cmd {
	if rn.umask != "" {
		// The umask is process-wide in Go: set it in a shell that then
		// becomes the command.
		argv = append([]string{cmdline.Shell, "-c", "umask " + rn.umask + ` && exec "$@"`, "sh"}, argv...)
	}
	var cmd *exec.Cmd
	if ctx == nil {
		cmd = exec.Command(argv[0], argv[1:]...)
	} else {
		cmd = exec.CommandContext(ctx, argv[0], argv[1:]...)
		// On timeout kill the whole session's group, daemons included.
		cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	}
	cmd.Env = rn.env
	cmd.Dir = rn.dir
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Credential: rn.as.cred}
	return cmd
}

// result is the outcome of one command run.
type result struct {
	out     string
	code    int // exit code; -1 when not started or killed by a signal
	elapsed time.Duration
	started bool
	err     error // nil when the command exited 0
}

// run runs c until it exits or timeout passes. Its output goes to an
// unlinked temporary file, not a pipe: a daemon the command leaves in the
// background inherits the descriptor, and a pipe would keep us waiting for
// it to close.
func (rn *runner) run(ctx context.Context, c *command, timeout time.Duration) result {
	if p := rn.missingProgram(c); p != "" {
		return result{code: -1, err: fmt.Errorf("%s: launcher %s not found (is its filesystem mounted?)", c.name, p)}
	}
	out, err := os.CreateTemp("", "omhcl-app-*.out")
	if err != nil {
		return result{code: -1, err: fmt.Errorf("%s: output file: %w", c.name, err)}
	}
	os.Remove(out.Name())
	defer out.Close()

	tctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	cmd := rn.command(tctx, c.argv)
	cmd.Stdout, cmd.Stderr = out, out
	t0 := time.Now()
	err = cmd.Run()
	res := result{elapsed: time.Since(t0), started: cmd.Process != nil, code: -1}
	if cmd.ProcessState != nil {
		res.code = cmd.ProcessState.ExitCode()
	}
	res.out = readTail(out, maxOutput)
	switch {
	case errors.Is(tctx.Err(), context.DeadlineExceeded) && ctx.Err() == nil:
		res.err = fmt.Errorf("%s: %s timed out after %s: its processes were killed%s", c.name, c.display, timeout, outputTail(res.out))
	case ctx.Err() != nil && err != nil:
		res.err = fmt.Errorf("%s: %s: %w", c.name, c.display, ctx.Err())
	case err != nil:
		res.err = fmt.Errorf("%s: %s: %w%s", c.name, c.display, err, outputTail(res.out))
	}
	return res
}

// missingProgram returns the program c names by a path when no such file
// exists: a launcher on a filesystem not mounted. Checked before running,
// as through a shell (shell syntax, umask) it would only be an exit code.
func (rn *runner) missingProgram(c *command) string {
	p := c.words[0]
	if !strings.Contains(p, "/") || strings.Contains(p, "=") { // a name looked up in PATH, or FOO=bar
		return ""
	}
	if !filepath.IsAbs(p) {
		p = filepath.Join(rn.dir, p)
	}
	if _, err := os.Stat(p); errors.Is(err, fs.ErrNotExist) {
		return c.words[0]
	}
	return ""
}

// readTail reads the last max bytes of f.
func readTail(f *os.File, max int64) string {
	size, err := f.Seek(0, io.SeekEnd)
	if err != nil {
		return ""
	}
	b, _ := io.ReadAll(io.NewSectionReader(f, size-min(size, max), min(size, max)))
	return string(b)
}

// outputTail formats the last lines of a command's output for an error.
func outputTail(out string) string {
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) == 1 && lines[0] == "" {
		return ""
	}
	if len(lines) > 5 {
		lines = lines[len(lines)-5:]
	}
	return ": " + strings.Join(lines, " / ")
}

// formatElapsed writes a duration like the seed's logs: "0:00:00.213427".
func formatElapsed(d time.Duration) string {
	us := d.Microseconds()
	return fmt.Sprintf("%d:%02d:%02d.%06d", us/3600e6, us/60e6%60, us/1e6%60, us%1e6)
}
