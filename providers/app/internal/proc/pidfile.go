package proc

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// PidFile records the process a driver started: its pid and start time, so
// a later process reusing the pid is not mistaken for it.
type PidFile struct {
	Pid       int
	StartTime uint64
}

// Alive reports whether the recorded process still runs.
func (p PidFile) Alive() bool { return Alive(p.Pid, p.StartTime) }

// String is the file's content: "PID STARTTIME".
func (p PidFile) String() string { return fmt.Sprintf("%d %d\n", p.Pid, p.StartTime) }

// WritePidFile writes p to path atomically.
func WritePidFile(path string, p PidFile) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".pid-*")
	if err != nil {
		return fmt.Errorf("write pid file: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err = tmp.WriteString(p.String()); err == nil {
		err = tmp.Close()
	} else {
		tmp.Close()
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		return fmt.Errorf("write pid file %s: %w", path, err)
	}
	return nil
}

// ReadPidFile reads a pid file. ok is false, with no error, when there is
// none.
func ReadPidFile(path string) (p PidFile, ok bool, err error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return PidFile{}, false, nil
	}
	if err != nil {
		return PidFile{}, false, fmt.Errorf("read pid file: %w", err)
	}
	f := strings.Fields(string(b))
	if len(f) != 2 {
		return PidFile{}, false, fmt.Errorf("pid file %s: want \"PID STARTTIME\", got %.40q", path, b)
	}
	p.Pid, err = strconv.Atoi(f[0])
	if err == nil && p.Pid <= 0 {
		err = fmt.Errorf("pid %d out of range", p.Pid)
	}
	if err == nil {
		p.StartTime, err = strconv.ParseUint(f[1], 10, 64)
	}
	if err != nil {
		return PidFile{}, false, fmt.Errorf("pid file %s: %w", path, err)
	}
	return p, true, nil
}

// RemovePidFile removes a pid file; a missing one is no error.
func RemovePidFile(path string) error {
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("remove pid file: %w", err)
	}
	return nil
}
