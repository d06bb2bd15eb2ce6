// Package binaries builds the project's commands once for a test
// package, static as CI and users run them, so tests type commands as a
// user does.
package binaries

import (
	"fmt"
	"os"
	"os/exec"
)

// Main builds pkgs into a temporary directory, hands it to run (a
// TestMain's m.Run, with the directory noted), removes the directory and
// exits with run's code.
func Main(run func(dir string) int, pkgs ...string) {
	os.Exit(build(run, pkgs))
}

func build(run func(dir string) int, pkgs []string) int {
	dir, err := os.MkdirTemp("", "omhcl-test-bin")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	cmd := exec.Command("go", append([]string{"build", "-o", dir + "/"}, pkgs...)...)
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "building %v: %v\n%s", pkgs, err, out)
		return 1
	}
	return run(dir)
}
