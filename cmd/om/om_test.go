package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/omhcl/omhcl/testfixtures/binaries"
	"github.com/omhcl/omhcl/testfixtures/daemonproc"
)

// omBin is the om binary, built once: the tests type commands as a user
// does, word order and flags included; omplanBin is omplan's.
var omBin, omplanBin string

func TestMain(m *testing.M) {
	binaries.Main(func(dir string) int {
		omBin, omplanBin = filepath.Join(dir, "om"), filepath.Join(dir, "omplan")
		return m.Run()
	}, "github.com/omhcl/omhcl/cmd/om", "github.com/omhcl/omhcl/cmd/omplan")
}

// node is a configuration directory and a state directory for node demo1.
type node struct {
	t           *testing.T
	dir, config string
	state       string
	env         []string // extra environment
	noConfigEnv bool     // leave OMHCL_CONFIG unset (--config given)
}

func newNode(t *testing.T) *node {
	dir := t.TempDir()
	n := &node{t: t, dir: dir, config: filepath.Join(dir, "etc"), state: filepath.Join(dir, "state")}
	if err := os.MkdirAll(n.config, 0o755); err != nil {
		t.Fatal(err)
	}
	n.write("web.hcl", fmt.Sprintf(`service "web1" {
  nodes = ["demo1"]
  app "web" {
    start = "touch %[1]s/web1.up"
    stop  = "rm -f %[1]s/web1.up"
    check = "test -f %[1]s/web1.up"
  }
}

service "web2" {
  nodes = ["demo1"]
}
`, dir))
	n.write("db.hcl", "service \"db\" {\n  nodes = [\"demo1\"]\n}\n")
	return n
}

func (n *node) write(file, content string) {
	n.t.Helper()
	if err := os.WriteFile(filepath.Join(n.config, file), []byte(content), 0o644); err != nil {
		n.t.Fatal(err)
	}
}

func (n *node) read(file string) string {
	n.t.Helper()
	b, err := os.ReadFile(filepath.Join(n.config, file))
	if err != nil {
		n.t.Fatal(err)
	}
	return string(b)
}

type result struct {
	out, err string
	code     int
}

func (r result) String() string {
	return fmt.Sprintf("exit %d\nstdout:\n%s\nstderr:\n%s", r.code, r.out, r.err)
}

// run runs om with args as node demo1, stdin from stdin.
func (n *node) run(stdin string, args ...string) result {
	n.t.Helper()
	cmd := exec.Command(omBin, args...)
	cmd.Env = append(os.Environ(), "OMHCL_NODE=demo1", "OMHCL_STATE_DIR="+n.state, "NO_COLOR=1", "VISUAL=")
	if !n.noConfigEnv {
		cmd.Env = append(cmd.Env, "OMHCL_CONFIG="+n.config)
	}
	cmd.Env = append(cmd.Env, n.env...)
	var out, errb bytes.Buffer
	cmd.Stdin, cmd.Stdout, cmd.Stderr = strings.NewReader(stdin), &out, &errb
	err := cmd.Run()
	r := result{out: out.String(), err: errb.String()}
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		r.code = exit.ExitCode()
	case err != nil:
		n.t.Fatalf("om %s: %v", strings.Join(args, " "), err)
	}
	n.t.Logf("om %s\n%s", strings.Join(args, " "), r)
	return r
}

func (n *node) om(args ...string) result {
	n.t.Helper()
	return n.run("", args...)
}

func (n *node) must(args ...string) string {
	n.t.Helper()
	r := n.om(args...)
	if r.code != 0 {
		n.t.Fatalf("om %s failed: %s", strings.Join(args, " "), r)
	}
	return r.out
}

// fails runs om expecting exit 1 with want in its error output.
func (n *node) fails(want string, args ...string) result {
	n.t.Helper()
	r := n.om(args...)
	if r.code != 1 || !strings.Contains(r.err, want) {
		n.t.Errorf("om %s: want exit 1 and %q on stderr, got %s", strings.Join(args, " "), want, r)
	}
	return r
}

// startDaemon runs "om daemon run" on a free loopback port for the test.
func (n *node) startDaemon() {
	n.t.Helper()
	daemonproc.Start(n.t, omBin, "demo1", n.state, false)
}

func TestServiceFirstWhereverTheFlagsStand(t *testing.T) {
	n := newNode(t)
	want := n.must("status", "web1")
	if !strings.HasPrefix(want, "web1 ") || strings.Contains(want, "web2") {
		t.Fatalf("om status web1:\n%s", want)
	}
	n.noConfigEnv = true
	for _, args := range [][]string{
		{"--config", n.config, "web1", "print", "status"},
		{"--config=" + n.config, "web1", "print", "status", "-r"},
		{"web1", "--config", n.config, "print", "status", "--refresh"},
		{"-config", n.config, "web1", "print", "-r", "status"},
		{"--no-color", "--config", n.config, "--node", "demo1", "web1", "print", "status"},
		{"--config", n.config, "print", "status", "web1", "-r"},
	} {
		if got := n.must(args...); got != want {
			t.Errorf("om %s printed:\n%s\nwant, as om status web1:\n%s", strings.Join(args, " "), got, want)
		}
	}
	n.noConfigEnv = false
	n.must("--state-dir", n.state, "web1", "set", "provisioned")
	if out := n.must("web1", "--lock-timeout", "5s", "start"); !strings.Contains(out, "r:app#web") {
		t.Errorf("om web1 --lock-timeout 5s start did not start app#web:\n%s", out)
	}
}

func TestUnknownWordsAreNamed(t *testing.T) {
	n := newNode(t)
	n.fails(`unknown command "frob" for service "web1"`, "web1", "frob")
	n.fails(`unknown command "frob" for service "web1"`, "--config", n.config, "web1", "frob")
	n.fails(`unknown command "edit" for service "web1" (did you mean edit config?)`, "web1", "edit")
	n.fails(`unknown command "edit nothing" for service "web1"`, "web1", "edit", "nothing")
	n.fails(`unknown command "web1"; a service name comes before a command`, "web1")
	n.fails(`unknown command "stauts" (did you mean start, status?)`, "stauts", "web1")
	n.fails(`no service "nosuch" in the configuration`, "nosuch", "print", "status")
	n.fails(`no service "nosuch" in the configuration`, "nosuch", "stop", "--local")
	// A rid that names nothing would plan nothing and look like success.
	n.fails(`--rid app#nosuch: no such resource (the resources: app#web)`, "web1", "start", "--local", "--rid", "app#nosuch")
	n.fails(`--rid fs: no such resource`, "web1", "stop", "--local", "app#web", "--rid", "fs")
}

func TestSelectors(t *testing.T) {
	n := newNode(t)
	for args, want := range map[string]string{
		"*/svc/*":       "db\nweb1\nweb2\n",
		"root/svc/web*": "web1\nweb2\n",
		"web*":          "web1\nweb2\n",
		"web?,db":       "db\nweb1\nweb2\n",
		"*1":            "web1\n",
	} {
		if got := n.must(args, "ls"); got != want {
			t.Errorf("om %q ls printed %q, want %q", args, got, want)
		}
	}
	if got := n.must("ls"); got != "db\nweb1\nweb2\n" {
		t.Errorf("om ls printed %q", got)
	}
	tree := n.must("web*", "status")
	if !strings.Contains(tree, "web1 ") || !strings.Contains(tree, "web2 ") || strings.Contains(tree, "db ") {
		t.Errorf("om 'web*' status:\n%s", tree)
	}
	n.fails(`no service matches "x*"`, "x*", "ls")
	n.fails(`no service matches "*/app/*"`, "*/app/*", "status")
	n.fails(`selector "svc/web1": want NAME or NAMESPACE/KIND/NAME`, "svc/web1", "ls")
	n.fails(`selector "web[": syntax error in pattern`, "web[", "ls")
	n.fails(`no service matches "x*"`, "x*", "start")
	n.fails(`create takes a service name, not the selector "web*"`, "web*", "create")
	n.fails(`edit config takes one service; "web*" selects 2: web1, web2`, "web*", "edit", "config")

	// an action on a selector acts on each service it picks
	n.must("web*", "set", "provisioned")
	if out := n.must("web*", "start"); !strings.Contains(out, "r:app#web") {
		t.Errorf("om 'web*' start:\n%s", out)
	}
	if _, err := os.Stat(filepath.Join(n.dir, "web1.up")); err != nil {
		t.Errorf("web1 not started: %v", err)
	}
}

// TestLocalActsOnThisNodeWhenADaemonRuns: with a daemon running, start and
// stop go to its orchestrator, --local acts here; the seed's positional
// rid ("om svc1 stop --local app#web") is a --rid.
func TestLocalActsOnThisNodeWhenADaemonRuns(t *testing.T) {
	n := newNode(t)
	n.startDaemon()
	up := filepath.Join(n.dir, "web1.up")
	// the daemon was never handed web1: only a local action can succeed
	n.fails(`no service "web1" in the cluster configuration`, "web1", "start")
	if out := n.must("web1", "start", "--local"); !strings.Contains(out, "@ n:demo1 o:web1 r:app#web") {
		t.Fatalf("om web1 start --local did not act here:\n%s", out)
	}
	if _, err := os.Stat(up); err != nil {
		t.Fatalf("web1 not started: %v", err)
	}
	out := n.must("web1", "stop", "--local", "app#web")
	if !strings.Contains(out, "@ n:demo1 o:web1 r:app#web") || !strings.Contains(out, "rm -f") {
		t.Fatalf("om web1 stop --local app#web did not stop app#web here:\n%s", out)
	}
	if _, err := os.Stat(up); err == nil {
		t.Fatal("web1 still up after om web1 stop --local app#web")
	}
	n.fails(`name the service of app#web first`, "stop", "--local", "app#web")
}

// editor writes a shell script standing for $EDITOR: it runs body with
// the file to edit as $1.
func (n *node) editor(name, body string) string {
	n.t.Helper()
	path := filepath.Join(n.dir, name)
	if err := os.WriteFile(path, []byte("#!/bin/sh\n"+body+"\n"), 0o755); err != nil {
		n.t.Fatal(err)
	}
	return path
}

func TestEditConfig(t *testing.T) {
	n := newNode(t)
	orig := n.read("db.hcl")

	n.env = []string{"EDITOR=" + n.editor("broken", `printf 'service "db" {\n  nodes = ["demo1"]\n  bogus = 1\n}\n' > "$1"`)}
	r := n.run("", "db", "edit", "config")
	if r.code != 1 || !strings.Contains(r.err, `An argument named "bogus" is not expected`) || !strings.Contains(r.err, "db.hcl unchanged") {
		t.Errorf("an invalid edit: %s", r)
	}
	if got := n.read("db.hcl"); got != orig {
		t.Errorf("an invalid edit changed db.hcl:\n%s", got)
	}

	// valid on its own, but a service another file holds
	n.env = []string{"EDITOR=" + n.editor("dup", `printf 'service "web1" {\n  nodes = ["demo1"]\n}\n' > "$1"`)}
	if r := n.run("", "db", "edit", "config"); r.code != 1 || !strings.Contains(r.err, "Duplicate service") {
		t.Errorf("an edit duplicating web1: %s", r)
	}

	n.env = []string{"EDITOR=" + n.editor("good", `sed -i 's/"demo1"/"demo1", "demo2"/' "$1"`)}
	r = n.run("", "db", "edit", "config")
	if r.code != 0 || !strings.Contains(r.out, "db.hcl: saved") || !strings.Contains(r.out, "saved locally") {
		t.Errorf("a valid edit: %s", r)
	}
	if got := n.read("db.hcl"); !strings.Contains(got, `nodes = ["demo1", "demo2"]`) {
		t.Errorf("db.hcl after a valid edit:\n%s", got)
	}
	if fi, err := os.Stat(filepath.Join(n.config, "db.hcl")); err != nil {
		t.Error(err)
	} else if fi.Mode().Perm() != 0o644 {
		t.Errorf("db.hcl mode after the edit: %v, want 0644", fi.Mode())
	}
	if entries, _ := os.ReadDir(n.config); len(entries) != 2 {
		t.Errorf("files left in the configuration directory: %v", entries)
	}

	n.env = []string{"EDITOR=true"}
	if r := n.run("", "db", "edit", "config"); r.code != 0 || !strings.Contains(r.out, "no change") {
		t.Errorf("an edit changing nothing: %s", r)
	}

	// someone changes the file while the editor is open: neither change is lost
	db := filepath.Join(n.config, "db.hcl")
	n.env = []string{"EDITOR=" + n.editor("race", `echo '# theirs' >> `+db+`; echo '# mine' >> "$1"`)}
	r = n.run("", "db", "edit", "config")
	if r.code != 1 || !strings.Contains(r.err, "db.hcl changed while you edited it; your version is kept in ") {
		t.Errorf("a concurrent change: %s", r)
	}
	if got := n.read("db.hcl"); !strings.HasSuffix(got, "# theirs\n") {
		t.Errorf("their change was lost:\n%s", got)
	}
	if _, kept, ok := strings.Cut(r.err, "your version is kept in "); ok {
		kept = strings.TrimSpace(kept)
		if b, err := os.ReadFile(kept); err != nil || !strings.HasSuffix(string(b), "# mine\n") {
			t.Errorf("the kept copy %s: %q %v", kept, b, err)
		}
		os.Remove(kept)
	}

	n.env = []string{"EDITOR=false"}
	if r := n.run("", "web1", "edit", "config"); r.code != 1 || !strings.Contains(r.err, "web.hcl unchanged") {
		t.Errorf("a failing editor: %s", r)
	}
}

// TestEditConfigAsksAgainOnATerminal runs om under script(1), so stdin is
// a terminal: an invalid copy brings the visudo question back.
func TestEditConfigAsksAgainOnATerminal(t *testing.T) {
	script, err := exec.LookPath("script")
	if err != nil {
		t.Skip("needs script(1) from util-linux for a terminal")
	}
	n := newNode(t)
	count := filepath.Join(n.dir, "count")
	// the first edit is invalid, the next ones valid
	ed := n.editor("twice", `if [ -e `+count+` ]; then printf 'service "db" {\n  nodes = ["demo3"]\n}\n' > "$1"; else touch `+count+`; printf 'service "db" {\n  bogus = 1\n}\n' > "$1"; fi`)
	n.env = []string{"EDITOR=" + ed}
	orig := n.read("db.hcl")

	term := func(answers string) result {
		t.Helper()
		cmd := exec.Command(script, "-qec", omBin+" db edit config", "/dev/null")
		cmd.Env = append(os.Environ(), "OMHCL_NODE=demo1", "OMHCL_STATE_DIR="+n.state, "OMHCL_CONFIG="+n.config, "NO_COLOR=1", "VISUAL=", "EDITOR="+ed)
		var out bytes.Buffer
		cmd.Stdin, cmd.Stdout, cmd.Stderr = strings.NewReader(answers), &out, &out
		err := cmd.Run()
		res := result{out: out.String()}
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			res.code = exit.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		t.Logf("om db edit config on a terminal, answers %q:\n%s", answers, res)
		return res
	}

	res := term("q\n")
	if res.code != 1 || !strings.Contains(res.out, "What now? e(dit again) / q(uit, discarding)") || !strings.Contains(res.out, "db.hcl unchanged") {
		t.Errorf("quitting after an invalid edit: %s", res)
	}
	if got := n.read("db.hcl"); got != orig {
		t.Errorf("quitting changed db.hcl:\n%s", got)
	}
	os.Remove(count)
	res = term("x\ne\n")
	if res.code != 0 || strings.Count(res.out, "What now?") != 2 || !strings.Contains(res.out, "db.hcl: saved") {
		t.Errorf("editing again after an invalid edit: %s", res)
	}
	if got := n.read("db.hcl"); !strings.Contains(got, "demo3") {
		t.Errorf("db.hcl after editing again:\n%s", got)
	}
}

// TestEditConfigHandsToTheDaemon: with a daemon on the node, the saved
// file's services go to the cluster as omapply hands them.
func TestEditConfigHandsToTheDaemon(t *testing.T) {
	n := newNode(t)
	n.startDaemon()
	n.env = []string{"EDITOR=" + n.editor("good", `sed -i 's/nodes = \["demo1"\]/nodes = ["demo1", "demo2"]/' "$1"`)}
	r := n.run("", "web2", "edit", "config")
	if r.code != 0 || !strings.Contains(r.out, "web.hcl: saved") ||
		!strings.Contains(r.out, "web1: configuration generation 1 (") || !strings.Contains(r.out, "web2: configuration generation 1 (") {
		t.Fatalf("an edit with a daemon running: %s", r)
	}
	n.env = []string{"EDITOR=" + n.editor("more", `sed -i 's/^service "web2" {/service "web2" {\n  app = "two"/' "$1"`)}
	r = n.run("", "web2", "edit", "config")
	if r.code != 0 || !strings.Contains(r.out, "web2: configuration generation 2 (") || !strings.Contains(r.out, "web1: configuration generation 1 (") {
		t.Fatalf("a second edit with a daemon running: %s", r)
	}
	if mon := n.must("mon"); !strings.Contains(mon, "web2") {
		t.Errorf("the daemon does not show web2:\n%s", mon)
	}

	// a node with no file for the service edits what the cluster gave it
	n.config = filepath.Join(n.dir, "empty")
	if err := os.Mkdir(n.config, 0o755); err != nil {
		t.Fatal(err)
	}
	n.env = []string{"EDITOR=" + n.editor("three", `sed -i 's/"two"/"three"/' "$1"`)}
	r = n.run("", "web2", "edit", "config")
	if r.code != 0 || !strings.Contains(r.out, "web2: configuration generation 3 (") {
		t.Fatalf("editing the cluster's copy: %s", r)
	}
	if entries, _ := os.ReadDir(n.config); len(entries) != 0 {
		t.Errorf("editing the cluster's copy wrote files here: %v", entries)
	}
}

// The seed's sync commands, typed as written, on a node without a
// daemon: the configuration's distribution says nothing distributes it;
// a data sync of a service that does not run here is refused, never a
// silent success.
func TestSeedSyncCommands(t *testing.T) {
	n := newNode(t)
	n.write("data.hcl", "service \"data\" {\n  nodes = [\"demo1\", \"demo2\"]\n  sync \"0\" {\n    src = [\"/srv/data\"]\n  }\n}\n")
	n.fails("no daemon runs on this node: nothing distributes the configuration", "data", "sync", "nodes", "--rid", "sync#i0")
	for _, verb := range []string{"update", "nodes", "drp", "all"} {
		n.fails("paused, service not up on demo1", "data", "sync", verb, "--force")
	}
	n.fails(`--target "everyone": want nodes or drpnodes`, "data", "sync", "update", "--target", "everyone")
}
