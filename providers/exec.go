package providers

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"strings"
)

// Run executes argv, logging the command line before and its combined
// output after. The error names the command and carries its output, so a
// failed apply says what failed and why.
func Run(ctx context.Context, log *Log, argv ...string) (string, error) {
	log.Op("%s", strings.Join(argv, " "))
	out, err := Output(ctx, argv...)
	log.Output(out)
	return out, err
}

// Output executes argv without logging (for status probes) and returns its
// combined output.
func Output(ctx context.Context, argv ...string) (string, error) {
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	var buf bytes.Buffer
	cmd.Stdout = &buf
	cmd.Stderr = &buf
	err := cmd.Run()
	return buf.String(), CommandError(argv, err, buf.String())
}

// CommandError names the command that failed and carries what it said;
// nil when err is.
func CommandError(argv []string, err error, said string) error {
	if err == nil {
		return nil
	}
	if said = strings.TrimSpace(said); said != "" {
		return fmt.Errorf("%s: %w: %s", argv[0], err, said)
	}
	return fmt.Errorf("%s: %w", argv[0], err)
}

// Runner runs one command, logged: Run, or a driver's own flavour of it.
type Runner func(ctx context.Context, log *Log, argv ...string) (string, error)

// RunEach runs cmds in order with run, stopping at the first failure.
func RunEach(ctx context.Context, log *Log, run Runner, cmds [][]string) error {
	for _, c := range cmds {
		if _, err := run(ctx, log, c...); err != nil {
			return err
		}
	}
	return nil
}

// CommandLines renders commands as the lines a plan shows.
func CommandLines(cmds ...[]string) []string {
	var out []string
	for _, c := range cmds {
		out = append(out, strings.Join(c, " "))
	}
	return out
}
