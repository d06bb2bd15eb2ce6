package app

import (
	"context"
	"fmt"
	"path/filepath"

	"github.com/omhcl/omhcl/providers"
	"github.com/omhcl/omhcl/providers/app/internal/proc"
)

// simple is an app.simple resource: omhcl starts the long-running command
// itself, detached in its own session so it outlives omapply, and tracks it
// by a pid file in the resource's StateDir.
type simple struct{ driver }

func newSimple(r *providers.Resource) (*simple, error) {
	d, err := newDriver(r, "simple")
	if err != nil {
		return nil, err
	}
	return &simple{d}, nil
}

func (s *simple) pidPath() string { return filepath.Join(s.r.StateDir, "app.pid") }
func (s *simple) logPath() string { return filepath.Join(s.r.StateDir, "app.log") }

// tracked is what the pid file says about the process we started.
type tracked struct {
	pf       proc.PidFile
	recorded bool // a pid file exists
	alive    bool // its process runs (same pid and start time)
}

// leftovers lists the live processes of the recorded process's session:
// itself while it runs, and what it started and left behind.
func (t tracked) leftovers() []int {
	if !t.recorded {
		return nil
	}
	pids, _ := proc.SessionMembers(t.pf.Pid, t.pf.StartTime)
	return pids
}

func (s *simple) tracked() (tracked, error) {
	if s.r.StateDir == "" {
		return tracked{}, nil
	}
	pf, ok, err := proc.ReadPidFile(s.pidPath())
	if err != nil || !ok {
		return tracked{}, err
	}
	return tracked{pf: pf, recorded: true, alive: pf.Alive()}, nil
}

// Status is up while the recorded process runs and, when there is a check
// command, the check says up too.
func (s *simple) Status(ctx context.Context) providers.Status {
	c, err := s.config()
	if err != nil {
		return providers.Status{State: providers.Down, Messages: []string{err.Error()}}
	}
	if c.complete() != nil {
		return providers.Status{State: providers.Down}
	}
	t, err := s.tracked()
	if err != nil {
		return providers.Status{State: providers.Down, Messages: []string{err.Error()}}
	}
	if !t.alive {
		if rest := t.leftovers(); len(rest) > 0 {
			return providers.Status{State: providers.Warn, Messages: []string{
				fmt.Sprintf("pid %d exited, processes it started still run: %v", t.pf.Pid, rest)}}
		}
		return providers.Status{State: providers.Down}
	}
	if c.check == nil {
		return providers.Status{State: providers.Up}
	}
	rn, err := newRunner(s.r, c)
	if err != nil {
		return providers.Status{State: providers.Warn, Messages: []string{err.Error()}}
	}
	st := s.checkStatus(ctx, c, rn)
	if st.State == providers.Up {
		return st
	}
	msg := fmt.Sprintf("pid %d runs but the check says %s", t.pf.Pid, st.State)
	return providers.Status{State: providers.Warn, Messages: append([]string{msg}, st.Messages...)}
}

// Operations lists what start or stop runs, from the settings alone.
func (s *simple) Operations(ctx context.Context, a providers.Action) []string {
	c, err := s.config()
	if err != nil {
		return nil
	}
	switch a {
	case providers.ActStart:
		return []string{s.opExec(c.start, c)}
	case providers.ActStop:
		if c.stop != nil {
			return []string{s.opExec(c.stop, c)}
		}
		return []string{fmt.Sprintf("kill -TERM the processes of %s, -KILL after %s", s.r.RID(), c.killTimeout)}
	}
	return nil
}

func killOp(sig string, pids []int) string {
	return fmt.Sprintf("kill -%s %s", sig, joinPids(pids))
}
