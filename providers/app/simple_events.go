package app

import (
	"context"
	"errors"
	"os"
	"time"

	"golang.org/x/sys/unix"

	"github.com/omhcl/omhcl/providers"
	"github.com/omhcl/omhcl/providers/app/internal/proc"
)

// A monitored simple app's death is seen at once: Events watches the
// recorded process through a pidfd (pidfd_open(2)), which becomes
// readable when the process exits, in the runtime's poller: no timer
// wakes the daemon while the app runs. While no recorded process runs, it
// looks at the pid file again every notRunningRecheck, for the next one.
var _ providers.EventSource = (*simple)(nil)

const notRunningRecheck = time.Second

func (s *simple) Events(ctx context.Context, changed func()) error {
	var told proc.PidFile // exited, told: a zombie until its parent reaps it
	for {
		t, err := s.tracked()
		if err != nil {
			return err
		}
		if t.alive && t.pf != told {
			err := waitExit(ctx, t.pf.Pid, t.pf.Alive)
			if ctx.Err() != nil {
				return nil
			}
			if err != nil && !errors.Is(err, unix.ESRCH) {
				return err
			}
			told = t.pf
			changed()
			continue
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(notRunningRecheck):
		}
	}
}

// waitExit returns once process pid exits (at once if it is gone), or
// ctx ends. same says whether pid is still the process recorded: a pid
// reused between the pid file's reading and the pidfd's opening is not.
func waitExit(ctx context.Context, pid int, same func() bool) error {
	fd, err := unix.PidfdOpen(pid, unix.PIDFD_NONBLOCK)
	if err != nil {
		return err
	}
	f := os.NewFile(uintptr(fd), "pidfd")
	defer f.Close()
	if !same() {
		return nil
	}
	rc, err := f.SyscallConn()
	if err != nil {
		return err
	}
	stop := context.AfterFunc(ctx, func() { _ = f.SetReadDeadline(time.Now()) })
	defer stop()
	return rc.Read(func(fd uintptr) bool {
		// Called once at first, then each time the poller says readable.
		p := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
		n, err := unix.Poll(p, 0)
		return err == nil && n > 0
	})
}
