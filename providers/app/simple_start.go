package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"syscall"
	"time"

	"github.com/omhcl/omhcl/providers"
	"github.com/omhcl/omhcl/providers/app/internal/proc"
)

// startupGrace is how long Start watches a process with no check command
// before it calls it started: long enough to catch a bad command line.
const startupGrace = 200 * time.Millisecond

// errExited marks a process that ended during its startup watch.
var errExited = errors.New("exited right after start")

// Start spawns the start command detached, unless it already runs.
func (s *simple) Start(ctx context.Context, log *providers.Log) error {
	c, rn, err := s.completeConfig()
	if err != nil {
		return err
	}
	if s.r.StateDir == "" {
		return fmt.Errorf("%s: no state directory to keep the pid file in", s.r.RID())
	}
	t, err := s.tracked()
	if err != nil {
		log.Info("ignoring %v", err)
	}
	if t.alive {
		log.Info("%s is already up (pid %d)", s.r.RID(), t.pf.Pid)
		return nil
	}
	if rest := t.leftovers(); len(rest) > 0 {
		log.Info("pid %d exited but left processes running: stopping them first", t.pf.Pid)
		s.signal(log, t.pf, syscall.SIGTERM, "TERM")
		if err := s.ensureGone(ctx, log, t.pf, c.killTimeout); err != nil {
			return err
		}
	}
	if err := os.MkdirAll(s.r.StateDir, 0o700); err != nil {
		return fmt.Errorf("%s: %w", s.r.RID(), err)
	}
	log.Op("exec %s as user %s", c.start.display, rn.as.name)
	t0 := time.Now()
	sp, err := s.spawn(rn, c.start)
	if err != nil {
		return fmt.Errorf("%s: start: %s: %w", s.r.RID(), c.start.display, err)
	}
	if err := s.awaitStartup(ctx, c, rn, sp.exited); err != nil {
		return s.failedStart(ctx, log, c, sp, err)
	}
	log.Info("start done in %s - pid %d", formatElapsed(time.Since(t0)), sp.pf.Pid)
	return nil
}

// spawned is a process Start launched.
type spawned struct {
	cmd       *exec.Cmd
	pf        proc.PidFile
	logOffset int64         // where its output starts in the log file
	exited    chan struct{} // closed once it exits and is reaped
}

// spawn starts argv in a new session, output appended to the log file, and
// records it in the pid file. A goroutine reaps it if it exits while we
// run; once we exit, init adopts it.
func (s *simple) spawn(rn *runner, c *command) (*spawned, error) {
	logf, err := os.OpenFile(s.logPath(), os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return nil, err
	}
	defer logf.Close()
	offset, err := logf.Seek(0, io.SeekEnd)
	if err != nil {
		return nil, err
	}
	cmd := rn.command(nil, c.argv)
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	sp := &spawned{cmd: cmd, logOffset: offset, exited: make(chan struct{})}
	// Not reaped yet, so /proc still has it even if it already exited.
	st, err := proc.ReadStat(cmd.Process.Pid)
	if err == nil {
		sp.pf = proc.PidFile{Pid: cmd.Process.Pid, StartTime: st.StartTime}
		err = proc.WritePidFile(s.pidPath(), sp.pf)
	}
	if err != nil {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		cmd.Wait()
		return nil, err
	}
	go func() {
		cmd.Wait()
		close(sp.exited)
	}()
	return sp, nil
}

// awaitStartup returns once the process looks started: after startupGrace
// without a check command, else once the check says up (within
// start_timeout).
func (s *simple) awaitStartup(ctx context.Context, c *config, rn *runner, exited <-chan struct{}) error {
	deadline := time.Now().Add(c.startTimeout)
	wait := startupGrace
	if c.check != nil {
		wait = 100 * time.Millisecond
	}
	for {
		select {
		case <-exited:
			return errExited
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(wait):
		}
		if c.check == nil {
			return nil
		}
		st := s.checkStatus(ctx, c, rn)
		if st.State == providers.Up {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the check did not say up within %s (last: %s %v)", c.startTimeout, st.State, st.Messages)
		}
	}
}

// failedStart cleans up after a start that did not come up, and explains.
func (s *simple) failedStart(ctx context.Context, log *providers.Log, c *config, sp *spawned, cause error) error {
	if errors.Is(cause, errExited) {
		cause = fmt.Errorf("%w (%s)", cause, sp.cmd.ProcessState) // safe: exited is closed
	} else {
		s.signal(log, sp.pf, syscall.SIGKILL, "KILL")
		s.waitGone(ctx, sp.pf, time.Second)
	}
	proc.RemovePidFile(s.pidPath())
	return fmt.Errorf("%s: start: %s: %w%s", s.r.RID(), c.start.display, cause, s.logTail(sp.logOffset))
}

// logTail is the end of what the process wrote to its log since offset.
func (s *simple) logTail(offset int64) string {
	f, err := os.Open(s.logPath())
	if err != nil {
		return ""
	}
	defer f.Close()
	size, err := f.Seek(0, io.SeekEnd)
	if err != nil || size <= offset {
		return ""
	}
	n := min(size-offset, 4096)
	b, _ := io.ReadAll(io.NewSectionReader(f, size-n, n))
	return outputTail(string(b))
}
