package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/omhcl/omhcl/testfixtures/binaries"
)

var omapplyBin, omplanBin, omBin string

func TestMain(m *testing.M) {
	binaries.Main(func(dir string) int {
		omapplyBin, omplanBin, omBin = filepath.Join(dir, "omapply"), filepath.Join(dir, "omplan"), filepath.Join(dir, "om")
		return m.Run()
	}, "github.com/omhcl/omhcl/cmd/omapply", "github.com/omhcl/omhcl/cmd/omplan", "github.com/omhcl/omhcl/cmd/om")
}

// movingService has two apps; a comes up by itself right after omapply's
// plan looked at it (its check starts it at its second run), as a
// container a killed command asked for comes up after its plan.
const movingService = `
service "svc" {
  nodes = ["demo1"]
  app "a" {
    start = "sh -c 'touch %[1]s/a.up %[1]s/a.started'"
    stop  = "rm -f %[1]s/a.up"
    check = "sh -c 'echo >> %[1]s/a.checks; [ $(wc -l < %[1]s/a.checks) -ge 2 ] && touch %[1]s/a.up; test -f %[1]s/a.up'"
  }
  app "b" {
    start = "sh -c 'touch %[1]s/b.up %[1]s/b.started'"
    stop  = "rm -f %[1]s/b.up"
    check = "test -f %[1]s/b.up"
  }
}
`

type node struct {
	t   *testing.T
	dir string
}

func newNode(t *testing.T) *node { return newNodeWith(t, movingService) }

// newNodeWith writes service, its %[1]s the node's directory.
func newNodeWith(t *testing.T, service string) *node {
	n := &node{t: t, dir: t.TempDir()}
	if err := os.WriteFile(filepath.Join(n.dir, "svc.hcl"), fmt.Appendf(nil, service, n.dir), 0o644); err != nil {
		t.Fatal(err)
	}
	return n
}

func (n *node) exists(name string) bool {
	_, err := os.Stat(filepath.Join(n.dir, name))
	return err == nil
}

// run runs argv (omapply, or script(1) running it on a terminal) as node
// demo1, with stdin, and returns its output (stdout and stderr).
func (n *node) run(stdin string, argv ...string) (string, int) {
	n.t.Helper()
	var out bytes.Buffer
	code := n.exec(strings.NewReader(stdin), &out, &out, argv...)
	n.t.Logf("%s: exit %d\n%s", strings.Join(argv, " "), code, out.String())
	return out.String(), code
}

// exec runs argv as node demo1 and returns its exit code.
func (n *node) exec(stdin io.Reader, stdout, stderr io.Writer, argv ...string) int {
	n.t.Helper()
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = append(os.Environ(), "OMHCL_NODE=demo1", "OMHCL_STATE_DIR="+filepath.Join(n.dir, "state"), "NO_COLOR=1")
	cmd.Stdin, cmd.Stdout, cmd.Stderr = stdin, stdout, stderr
	err := cmd.Run()
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return exit.ExitCode()
	} else if err != nil {
		n.t.Fatal(err)
	}
	return 0
}

const planned = "The state of node demo1 moved under the plan above (svc.app#a down → up): planned again."

// With -auto-approve, the plan made again is printed and applied: b is
// started, a (up meanwhile) is not.
func TestStateMovedAutoApproveAppliesThePlanMadeAgain(t *testing.T) {
	n := newNode(t)
	out, code := n.run("", omapplyBin, "-auto-approve", n.dir)
	if code != 0 || !strings.Contains(out, planned) || !strings.Contains(out, "Apply complete! Resources: 1 started") {
		t.Fatalf("omapply -auto-approve exited %d", code)
	}
	if n.exists("a.started") || !n.exists("b.started") {
		t.Errorf("a started by omapply: %t, b: %t; want only b", n.exists("a.started"), n.exists("b.started"))
	}
}

// On a terminal, the plan made again with other steps is asked about
// again before it is applied.
func TestStateMovedOnATerminalAsksAgain(t *testing.T) {
	script, err := exec.LookPath("script")
	if err != nil {
		t.Skip("needs script(1) from util-linux for a terminal")
	}
	n := newNode(t)
	out, code := n.run("yes\nyes\n", script, "-qec", omapplyBin+" "+n.dir, "/dev/null")
	if code != 0 || strings.Count(out, "Do you want to perform these actions on node demo1?") != 2 || !strings.Contains(out, planned) {
		t.Fatalf("omapply on a terminal exited %d", code)
	}
	if n.exists("a.started") || !n.exists("b.started") {
		t.Errorf("a started by omapply: %t, b: %t; want only b", n.exists("a.started"), n.exists("b.started"))
	}
}
