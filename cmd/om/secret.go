package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/omhcl/omhcl/cluster"
)

// The cluster secret never travels on argv: /proc/PID/cmdline is every
// local user's to read, and a shell keeps its history. It comes from a
// file, from stdin, or from the environment (/proc/PID/environ is the
// process owner's only).

// secretEnv is the environment variable that may hold the secret.
const secretEnv = "OMHCL_SECRET"

// secretWays names the ways to give the secret, for the errors.
const secretWays = "--secret-file FILE, --secret-file - (stdin) or $" + secretEnv

// errSecretOnArgv refuses the old --secret flag.
var errSecretOnArgv = errors.New("--secret is refused: on the command line the cluster secret is in every local user's view (/proc/PID/cmdline, ps) and in the shell's history; give it with " + secretWays)

// secretMax bounds what is read for a secret: 32 hex digits and a newline.
const secretMax = 4096

// readSecret returns the secret from file ("-": stdin), else from the
// environment; warn gets a line when the file is readable by others.
func readSecret(file string, stdin io.Reader, warn io.Writer) (string, error) {
	var raw []byte
	from := "$" + secretEnv
	switch {
	case file == "-":
		from = "stdin"
		b, err := io.ReadAll(io.LimitReader(stdin, secretMax))
		if err != nil {
			return "", fmt.Errorf("read the cluster secret from stdin: %w", err)
		}
		raw = b
	case file != "":
		from = file
		b, err := readSecretFile(file, warn)
		if err != nil {
			return "", err
		}
		raw = b
	default:
		raw = []byte(os.Getenv(secretEnv))
	}
	s := strings.TrimSpace(string(raw))
	if s == "" {
		return "", fmt.Errorf("the cluster secret is required: %s (om cluster get --kw cluster.secret on a member prints it)", secretWays)
	}
	// the secret itself is never echoed: this error may reach a log
	if _, err := cluster.DecodeSecret(s); err != nil {
		return "", fmt.Errorf("the cluster secret from %s is not 32 hex digits (%d characters): om cluster get --kw cluster.secret on a member prints it", from, len(s))
	}
	return s, nil
}

func readSecretFile(path string, warn io.Writer) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("the cluster secret: %w", err)
	}
	defer f.Close()
	if fi, err := f.Stat(); err == nil && fi.Mode().Perm()&0o077 != 0 {
		fmt.Fprintf(warn, "om: warning: %s is readable by other users (mode %04o): the cluster secret makes root on every node; chmod 600 it\n", path, fi.Mode().Perm())
	}
	b, err := io.ReadAll(io.LimitReader(f, secretMax))
	if err != nil {
		return nil, fmt.Errorf("the cluster secret: %w", err)
	}
	return b, nil
}
