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
	if err != nil {
		msg := strings.TrimSpace(buf.String())
		if msg != "" {
			return buf.String(), fmt.Errorf("%s: %w: %s", argv[0], err, msg)
		}
		return buf.String(), fmt.Errorf("%s: %w", argv[0], err)
	}
	return buf.String(), nil
}
