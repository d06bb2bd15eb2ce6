package main

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// run runs a binary and returns its stdout, stderr and exit code.
func run(t *testing.T, bin string, args ...string) (string, string, int) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		code = exit.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	t.Logf("%s %s: exit %d\n%s%s", filepath.Base(bin), strings.Join(args, " "), code, out.String(), errb.String())
	return out.String(), errb.String(), code
}

const seeds = "../../opensvc/testdata/seeds/"

// om import converts a seed's configuration: exit 2 and the reason for
// what is left as a comment, a file omplan validates; exit 0 when all of
// it converts; no overwrite without --force.
func TestImport(t *testing.T) {
	dir := t.TempDir()
	_, stderr, code := run(t, omBin, "import", seeds+"001-docker.conf", "--out", dir, "--name", "svc1")
	if code != 2 || !strings.Contains(stderr, "docker_data_dir") || !strings.Contains(stderr, "dockerd --data-root") {
		t.Errorf("exit %d, want 2 and the reason docker_data_dir is left out", code)
	}
	hcl, err := os.ReadFile(filepath.Join(dir, "svc1.hcl"))
	if err != nil || !strings.Contains(string(hcl), "# docker_data_dir = /srv/svc1/docker_data_dir") {
		t.Fatalf("svc1.hcl: %v\n%s", err, hcl)
	}
	if _, _, code := run(t, omplanBin, "validate", dir); code != 0 {
		t.Errorf("omplan validate: exit %d", code)
	}
	if _, stderr, code := run(t, omBin, "import", seeds+"001-docker.conf", "--out", dir, "--name", "svc1"); code != 1 || !strings.Contains(stderr, "--force") {
		t.Errorf("overwrite: exit %d, want 1 naming --force", code)
	}
	stdout, _, code := run(t, omBin, "import", seeds+"000-failover.conf")
	if code != 0 || !strings.Contains(stdout, `on "@drpnodes" {`) {
		t.Errorf("exit %d, want 0 and the HCL on stdout", code)
	}
	if _, _, code := run(t, omBin, "import", filepath.Join(dir, "none.conf")); code != 1 {
		t.Errorf("missing file: exit %d, want 1", code)
	}
}

// A seed's INI pasted into a .hcl file: omplan's first error says how to
// convert it.
func TestPastedININamesImport(t *testing.T) {
	dir := t.TempDir()
	src, err := os.ReadFile(seeds + "003-getting-started.conf")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "svc1.hcl"), src, 0o644); err != nil {
		t.Fatal(err)
	}
	_, stderr, code := run(t, omplanBin, "validate", dir)
	first, _, _ := strings.Cut(strings.TrimSpace(stderr), "\n")
	if code != 1 || first != "Error: OpenSVC INI configuration, not HCL" || !strings.Contains(strings.Join(strings.Fields(stderr), " "), "om import "+filepath.Join(dir, "svc1.hcl")) {
		t.Errorf("exit %d, first line %q; want the INI error first, naming om import", code, first)
	}
}
