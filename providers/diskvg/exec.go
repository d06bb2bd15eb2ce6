package diskvg

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"strings"

	"github.com/omhcl/omhcl/providers"
)

// lvmEnv silences LVM's "File descriptor N leaked" warnings: a process
// started from a shell or go test inherits descriptors it did not open, and
// LVM reports each one on every command, cluttering logs.
const lvmEnv = "LVM_SUPPRESS_FD_WARNINGS=1"

// Run runs an LVM command that changes the system, logged like
// providers.Run: the command line, then its combined output.
func Run(ctx context.Context, log *providers.Log, argv ...string) (string, error) {
	log.Op("%s", strings.Join(argv, " "))
	var out bytes.Buffer
	err := lvmCommand(ctx, argv, &out, &out)
	log.Output(out.String())
	return out.String(), providers.CommandError(argv, err, out.String())
}

// Probe runs a read-only LVM query without logging and returns its
// standard output alone, so warnings on standard error never reach the
// parsed result. The error carries standard error ("... not found").
func Probe(ctx context.Context, argv ...string) (string, error) {
	var stdout, stderr bytes.Buffer
	err := lvmCommand(ctx, argv, &stdout, &stderr)
	return stdout.String(), providers.CommandError(argv, err, stderr.String())
}

func lvmCommand(ctx context.Context, argv []string, stdout, stderr *bytes.Buffer) error {
	if ctx == nil { // a caller's slip must not panic a plan
		ctx = context.Background()
	}
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Env = append(os.Environ(), lvmEnv)
	cmd.Stdout, cmd.Stderr = stdout, stderr
	return cmd.Run()
}

// NotFound reports whether a Probe error says the queried VG, LV or PV
// does not exist.
func NotFound(err error) bool {
	return err != nil && (strings.Contains(err.Error(), "not found") || strings.Contains(err.Error(), "Failed to find"))
}
