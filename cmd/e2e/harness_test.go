package e2e

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/omhcl/omhcl/testfixtures/binaries"
	"github.com/omhcl/omhcl/testfixtures/netlab"
)

// binDir holds the binaries built once for the whole package.
var binDir string

func TestMain(m *testing.M) {
	binaries.Main(func(dir string) int {
		binDir = dir
		return m.Run()
	}, "github.com/omhcl/omhcl/cmd/om", "github.com/omhcl/omhcl/cmd/omplan",
		"github.com/omhcl/omhcl/cmd/omapply", "github.com/omhcl/omhcl/testfixtures/demoweb")
}

// node is one omhcl node: a network namespace, a state directory and a
// configuration directory. Commands run in its namespace with nsenter
// --net, which keeps the host's mount namespace as a real node would.
type node struct {
	t      *testing.T
	name   string
	ns     *netlab.NS
	state  string
	config string
}

func newNode(t *testing.T, name string) *node {
	netlab.RequireRoot(t)
	dir := t.TempDir()
	n := &node{t: t, name: name, ns: netlab.NewNS(t, "e2e"), state: filepath.Join(dir, "state"), config: filepath.Join(dir, "etc")}
	if err := os.MkdirAll(n.config, 0o755); err != nil {
		t.Fatal(err)
	}
	return n
}

type result struct {
	out, err string
	code     int
}

func (r result) String() string {
	return fmt.Sprintf("exit %d\nstdout:\n%s\nstderr:\n%s", r.code, r.out, r.err)
}

// run executes one of the binaries as this node.
func (n *node) run(bin string, args ...string) result {
	n.t.Helper()
	argv := append([]string{"--net=" + n.ns.Path, filepath.Join(binDir, bin)}, args...)
	cmd := exec.Command("nsenter", argv...)
	cmd.Env = append(os.Environ(),
		"OMHCL_NODE="+n.name, "OMHCL_STATE_DIR="+n.state, "OMHCL_CONFIG="+n.config, "NO_COLOR=1")
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	r := result{out: out.String(), err: errb.String()}
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		r.code = exit.ExitCode()
	case err != nil:
		n.t.Fatalf("%s %s: %v", bin, strings.Join(args, " "), err)
	}
	n.t.Logf("%s %s\n%s%s", bin, strings.Join(args, " "), r.out, r.err)
	return r
}

// must runs a command that has to succeed and returns its stdout.
func (n *node) must(bin string, args ...string) string {
	n.t.Helper()
	r := n.run(bin, args...)
	if r.code != 0 {
		n.t.Fatalf("%s %s failed: %s", bin, strings.Join(args, " "), r)
	}
	return r.out
}

func (n *node) writeConfig(file, content string) {
	n.t.Helper()
	if err := os.WriteFile(filepath.Join(n.config, file), []byte(content), 0o644); err != nil {
		n.t.Fatal(err)
	}
}

// planMatchesSnapshot checks that omplan from the node's status snapshot
// (om status --json), run as a CI runner would, with no state and no
// container engine, gives the steps omplan gives on the node.
func (n *node) planMatchesSnapshot() {
	n.t.Helper()
	snap := filepath.Join(n.t.TempDir(), "status.json")
	if err := os.WriteFile(snap, []byte(n.must("om", "status", "--json")), 0o644); err != nil {
		n.t.Fatal(err)
	}
	onNode := planSteps(n.t, n.must("omplan", "-json", n.config))
	cmd := exec.Command(filepath.Join(binDir, "omplan"), "-json", "--snapshot", snap, n.config)
	cmd.Env = append(os.Environ(), "OMHCL_STATE_DIR="+n.t.TempDir(), "DOCKER_HOST=unix:///nonexistent")
	out, err := cmd.Output()
	if err != nil {
		n.t.Fatalf("snapshot plan: %v: %s", err, stderrOf(err))
	}
	if fromSnap := planSteps(n.t, string(out)); len(onNode) == 0 || !slices.Equal(onNode, fromSnap) {
		n.t.Fatalf("node plan %q, snapshot plan %q", onNode, fromSnap)
	}
}
