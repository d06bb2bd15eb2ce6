package containerlxc

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"strconv"
	"strings"

	"github.com/omhcl/omhcl/providers"
)

// info is what lxc-info says about a container.
type info struct {
	State string // RUNNING, STOPPED, FROZEN, ...
	PID   int    // 0 unless running
}

// parseInfo reads `lxc-info -s -p -H`. lxc 5 prints "State: RUNNING" and
// "PID: 123" lines even with -H when several fields are asked, and bare
// values with one; either is accepted, anything else is an error, never a
// panic.
func parseInfo(out string) (info, error) {
	var in info
	for _, line := range strings.Split(out, "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		key, val, found := strings.Cut(line, ":")
		if !found {
			key, val = "", line
		}
		key, val = strings.ToLower(strings.TrimSpace(key)), strings.TrimSpace(val)
		switch {
		case key == "state" || key == "" && isStateWord(val):
			in.State = val
		case key == "pid" || key == "" && isDigits(val):
			pid, err := strconv.Atoi(val)
			if err != nil || pid <= 0 {
				return info{}, fmt.Errorf("lxc-info: bad pid %q", val)
			}
			in.PID = pid
		}
	}
	if in.State == "" {
		return info{}, fmt.Errorf("lxc-info: no state in %q", strings.TrimSpace(out))
	}
	return in, nil
}

// isStateWord and isDigits tell a bare -H value's field by its shape.
func isStateWord(s string) bool { return allIn(s, 'A', 'Z') }
func isDigits(s string) bool    { return allIn(s, '0', '9') }

// allIn reports whether s is non-empty and made of runes from lo to hi.
func allIn(s string, lo, hi rune) bool {
	for _, c := range s {
		if c < lo || c > hi {
			return false
		}
	}
	return s != ""
}

// lookTools names the package to install when an lxc tool is missing.
func lookTools(tools ...string) error {
	for _, t := range tools {
		if _, err := exec.LookPath(t); err != nil {
			return fmt.Errorf("%s not found: install the lxc package (and busybox-static for the busybox template)", t)
		}
	}
	return nil
}

// probe runs a read-only lxc command and returns its standard output; the
// error carries standard error.
func probe(ctx context.Context, argv ...string) (string, error) {
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	return stdout.String(), providers.CommandError(argv, err, stderr.String())
}
