package app

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/omhcl/omhcl/providers"
	"github.com/omhcl/omhcl/providers/app/internal/proc"
)

// killWait bounds the wait for processes to vanish after SIGKILL.
const killWait = 5 * time.Second

// Stop runs the stop command, or sends SIGTERM, to the process and what it
// started; whatever remains after kill_timeout gets SIGKILL.
func (s *simple) Stop(ctx context.Context, log *providers.Log) error {
	c, rn, err := s.completeConfig()
	if err != nil {
		return err
	}
	t, err := s.tracked()
	if err != nil {
		log.Info("ignoring %v", err)
	}
	if len(t.leftovers()) == 0 {
		if t.recorded {
			if err := proc.RemovePidFile(s.pidPath()); err != nil {
				return fmt.Errorf("%s: %w", s.r.RID(), err)
			}
		}
		log.Info("%s is already down", s.r.RID())
		return nil
	}
	t0 := time.Now()
	if c.stop != nil {
		if err := s.exec(ctx, log, rn, c.stop, c.stopTimeout); err != nil {
			log.Info("%v", err)
		}
	} else {
		s.signal(log, t.pf, syscall.SIGTERM, "TERM")
	}
	if err := s.ensureGone(ctx, log, t.pf, c.killTimeout); err != nil {
		return err
	}
	if err := proc.RemovePidFile(s.pidPath()); err != nil {
		return fmt.Errorf("%s: %w", s.r.RID(), err)
	}
	log.Info("stop done in %s", formatElapsed(time.Since(t0)))
	return nil
}

// ensureGone waits up to grace for the session of pf to end, then kills
// what remains.
func (s *simple) ensureGone(ctx context.Context, log *providers.Log, pf proc.PidFile, grace time.Duration) error {
	if s.waitGone(ctx, pf, grace) {
		return nil
	}
	s.signal(log, pf, syscall.SIGKILL, "KILL")
	if s.waitGone(ctx, pf, killWait) {
		return nil
	}
	if ctx.Err() != nil {
		return fmt.Errorf("%s: stop: %w", s.r.RID(), ctx.Err())
	}
	rest, _ := proc.SessionMembers(pf.Pid, pf.StartTime)
	return fmt.Errorf("%s: stop: processes %s survived SIGKILL for %s", s.r.RID(), joinPids(rest), killWait)
}

// signal sends sig to every live process of the session of pf. Signalling
// each pid, not the process group, also reaches processes that moved to a
// group of their own.
func (s *simple) signal(log *providers.Log, pf proc.PidFile, sig syscall.Signal, name string) {
	pids, _ := proc.SessionMembers(pf.Pid, pf.StartTime)
	if len(pids) == 0 {
		return
	}
	log.Op("%s", killOp(name, pids))
	for _, pid := range pids {
		syscall.Kill(pid, sig)
	}
}

// waitGone polls until no process of the session of pf is left, for at
// most d.
func (s *simple) waitGone(ctx context.Context, pf proc.PidFile, d time.Duration) bool {
	deadline := time.Now().Add(d)
	for {
		pids, err := proc.SessionMembers(pf.Pid, pf.StartTime)
		if err == nil && len(pids) == 0 {
			return true
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return false
		}
		select {
		case <-ctx.Done():
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func joinPids(pids []int) string {
	s := make([]string, len(pids))
	for i, p := range pids {
		s[i] = strconv.Itoa(p)
	}
	return strings.Join(s, " ")
}
