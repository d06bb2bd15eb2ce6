// Package proc reads process facts from /proc: enough to tell whether a
// recorded pid is still the process we started, and to find what remains of
// its session.
package proc

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
)

// Stat is the part of /proc/PID/stat this package uses.
type Stat struct {
	Pid     int
	State   byte // R, S, D, Z, ...
	PPid    int
	Pgrp    int
	Session int
	// StartTime is when the process started, in clock ticks after boot: with
	// the pid it names one process for good, as pids are reused.
	StartTime uint64
}

// Zombie reports whether the process has exited and only waits to be reaped.
func (s Stat) Zombie() bool { return s.State == 'Z' || s.State == 'X' }

// ReadStat reads /proc/PID/stat. The error wraps os.ErrNotExist when there
// is no such process.
func ReadStat(pid int) (Stat, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return Stat{}, err
	}
	return ParseStat(string(b))
}

// ParseStat parses the text of /proc/PID/stat.
func ParseStat(text string) (Stat, error) {
	// The command name (field 2) is in parentheses and may itself hold
	// spaces and parentheses: the fields after it start past the last ')'.
	open, end := strings.IndexByte(text, '('), strings.LastIndexByte(text, ')')
	if open < 0 || end < open {
		return Stat{}, fmt.Errorf("malformed /proc stat: %.60q", text)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(text[:open]))
	if err != nil {
		return Stat{}, fmt.Errorf("malformed /proc stat pid: %.60q", text)
	}
	f := strings.Fields(text[end+1:]) // f[0] is field 3
	if len(f) < 20 || len(f[0]) != 1 {
		return Stat{}, fmt.Errorf("malformed /proc stat for pid %d: %d fields", pid, len(f)+2)
	}
	s := Stat{Pid: pid, State: f[0][0]}
	s.PPid, err = strconv.Atoi(f[1])
	if err == nil {
		s.Pgrp, err = strconv.Atoi(f[2])
	}
	if err == nil {
		s.Session, err = strconv.Atoi(f[3])
	}
	if err == nil {
		s.StartTime, err = strconv.ParseUint(f[19], 10, 64)
	}
	if err != nil {
		return Stat{}, fmt.Errorf("malformed /proc stat for pid %d: %w", pid, err)
	}
	return s, nil
}

// Alive reports whether pid runs and is the process that started at
// startTime (not a zombie, not a later process reusing the pid).
func Alive(pid int, startTime uint64) bool {
	s, err := ReadStat(pid)
	return err == nil && !s.Zombie() && s.StartTime == startTime
}

// SessionMembers lists the live processes of session sid that started no
// earlier than startTime: what a session leader we started left behind,
// itself included while it runs.
func SessionMembers(sid int, startTime uint64) ([]int, error) {
	var out []int
	err := each(func(s Stat) {
		if s.Session == sid && s.StartTime >= startTime && !s.Zombie() {
			out = append(out, s.Pid)
		}
	})
	return out, err
}

// GroupMembers lists the live processes of process group pgrp.
func GroupMembers(pgrp int) ([]int, error) {
	var out []int
	err := each(func(s Stat) {
		if s.Pgrp == pgrp && !s.Zombie() {
			out = append(out, s.Pid)
		}
	})
	return out, err
}

// each calls fn with the stat of every process; processes that vanish while
// /proc is read are skipped.
func each(fn func(Stat)) error {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return err
	}
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		s, err := ReadStat(pid)
		if errors.Is(err, os.ErrNotExist) || errors.Is(err, syscall.ESRCH) {
			continue
		}
		if err != nil {
			return err
		}
		fn(s)
	}
	return nil
}
