package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/omhcl/omhcl/cmd/internal/cli"
	"github.com/omhcl/omhcl/plan"
	"github.com/omhcl/omhcl/state"
	"github.com/omhcl/omhcl/wire"
	"github.com/spf13/cobra"
)

// Every command that holds subcommands, given none, prints its help on
// stderr and exits 1, om itself included; no command is a bare container
// cobra would answer with its help and exit 0.
func TestGroupsGivenNothingFail(t *testing.T) {
	n := newNode(t)
	var walk func(c *cobra.Command)
	var groups [][]string
	walk = func(c *cobra.Command) {
		if !c.Runnable() {
			t.Errorf("%q runs nothing: cobra prints its help and exits 0; make it a group()", c.CommandPath())
		}
		if c.HasSubCommands() && c.HasParent() {
			groups = append(groups, strings.Fields(c.CommandPath())[1:])
		}
		for _, sub := range c.Commands() {
			if sub.Name() != "help" && sub.Name() != "completion" && !strings.HasPrefix(sub.Name(), "__") {
				walk(sub)
			}
		}
	}
	walk(newRoot(cli.New()))
	if r := n.om(); r.code != 1 || !strings.Contains(r.err, "Usage:") || !strings.Contains(r.err, "om needs a command") || r.out != "" {
		t.Errorf("om alone: %s", r)
	}
	if len(groups) < 6 {
		t.Fatalf("only %d groups found: %v", len(groups), groups)
	}
	for _, g := range groups {
		r := n.om(g...)
		if r.code != 1 || !strings.Contains(r.err, "Usage:") || !strings.Contains(r.err, "needs one of the commands above") || r.out != "" {
			t.Errorf("om %s: want its help on stderr and exit 1, got %s", strings.Join(g, " "), r)
		}
	}
}

// Without the systemd unit, om daemon start starts nothing, says how to
// run the daemon, and exits 1.
func TestDaemonStartSaysHowWithoutSystemd(t *testing.T) {
	if fi, err := os.Stat("/run/systemd/system"); err == nil && fi.IsDir() {
		t.Skip("systemd runs here: om daemon start would ask it")
	}
	n := newNode(t)
	r := n.fails("systemd does not run on this machine: nothing started", "daemon", "start")
	for _, want := range []string{"om daemon run", "systemctl enable --now omhcl"} {
		if !strings.Contains(r.err, want) {
			t.Errorf("om daemon start does not say %q:\n%s", want, r)
		}
	}
}

// om daemon status --json says whether the daemon runs, with rc 1 when
// it does not, and its view and the node's maintenance when it does; om
// node freeze, drain and their undoing show there and in om mon.
func TestDaemonStatusJSONAndNodeMaintenance(t *testing.T) {
	n := newNode(t)
	r := n.om("daemon", "status", "--json")
	var st daemonStatus
	if err := json.Unmarshal([]byte(r.out), &st); err != nil || r.code != 1 || st.Running || !strings.Contains(st.Error, "no daemon running") {
		t.Fatalf("om daemon status --json without a daemon: want running false and exit 1, got %v\n%s", err, r)
	}
	n.fails("node drain needs the cluster daemon", "node", "drain")

	n.startDaemon()
	status := func() daemonStatus {
		t.Helper()
		var st daemonStatus
		if err := json.Unmarshal([]byte(n.must("daemon", "status", "--json")), &st); err != nil {
			t.Fatal(err)
		}
		return st
	}
	if st := status(); !st.Running || st.Node != "demo1" || st.Maintenance == nil || st.Maintenance.Maintenance() != "" {
		t.Fatalf("om daemon status --json: %+v", st)
	}
	if out := n.must("node", "freeze"); !strings.Contains(out, "demo1: frozen") {
		t.Errorf("om node freeze said:\n%s", out)
	}
	if st := status(); !st.Maintenance.Frozen {
		t.Errorf("after om node freeze: %+v", st.Maintenance)
	}
	if out := n.must("mon"); !strings.Contains(out, "| frozen") {
		t.Errorf("om mon does not show the node frozen:\n%s", out)
	}
	// nothing runs: drained at once
	if out := n.must("node", "drain", "--wait", "--timeout", "10s"); !strings.Contains(out, "demo1: drained: nothing runs here (still frozen") {
		t.Errorf("om node drain --wait said:\n%s", out)
	}
	if out := n.must("daemon", "status"); !strings.Contains(out, "this node drained and frozen") {
		t.Errorf("om daemon status said:\n%s", out)
	}
	if out := n.must("mon"); !strings.Contains(out, "| drained*") {
		t.Errorf("om mon does not show the node drained and frozen:\n%s", out)
	}
	n.must("node", "thaw")
	n.must("node", "undrain")
	if st := status(); st.Maintenance.Maintenance() != "" {
		t.Errorf("after thaw and undrain: %+v", st.Maintenance)
	}
}

// om mon's state row shows a node's maintenance in place of alive or held.
func TestMonShowsNodeMaintenance(t *testing.T) {
	v := &wire.MonView{Node: "node2", Quorum: true, Nodes: []wire.MonNode{
		{Name: "node1", Status: "alive", HeldDown: true, Draining: true},
		{Name: "node2", Status: "alive", HeldDown: true, Draining: true, Drained: true, Frozen: true},
		{Name: "node3", Status: "alive", HeldDown: true, Frozen: true},
		{Name: "node4", Status: "failed", Frozen: true},
	}}
	var b strings.Builder
	writeMon(&b, v, false)
	if want := " state                            | draining  drained*  frozen    failed"; !strings.Contains(b.String(), want) {
		t.Errorf("om mon lacks %q:\n%s", want, b.String())
	}
}

// om ls --json lists the services with their main settings.
func TestLsJSON(t *testing.T) {
	n := newNode(t)
	var list []lsEntry
	if err := json.Unmarshal([]byte(n.must("ls", "--json")), &list); err != nil {
		t.Fatal(err)
	}
	if len(list) != 3 || list[0].Name != "db" || list[0].Path != "root/svc/db" || list[2].Name != "web2" ||
		len(list[0].Nodes) != 1 || list[0].Nodes[0] != "demo1" || list[0].Orchestrate != "no" || list[0].Topology != "failover" {
		t.Errorf("om ls --json: %+v", list)
	}
	if out := n.must("web*", "ls", "--json"); !strings.Contains(out, `"name": "web1"`) || strings.Contains(out, `"db"`) {
		t.Errorf("om 'web*' ls --json:\n%s", out)
	}
}

// om SVC json status (seed 002) is om status --json.
func TestJSONStatusIsStatusJSON(t *testing.T) {
	n := newNode(t)
	want := n.must("status", "--json", "web1")
	if got := n.must("web1", "json", "status"); got != want {
		t.Errorf("om web1 json status:\n%s\nwant, as om status --json web1:\n%s", got, want)
	}
	var live plan.Live
	if err := json.Unmarshal([]byte(want), &live); err != nil || len(live.Services) != 1 || live.Services[0].Service != "web1" {
		t.Errorf("om web1 json status: %v\n%s", err, want)
	}
}

// om SVC print config prints the block in force, and --eval its values as
// evaluated on this node.
func TestPrintConfig(t *testing.T) {
	n := newNode(t)
	n.write("db.hcl", `service "db" {
  nodes = ["demo1", "demo2"]
  app   = "the db of ${service.name}"

  app "db" {
    start   = "echo ${service.name}"
    monitor = true
    restart = 2
  }
}
`)
	out := n.must("db", "print", "config")
	if !strings.HasPrefix(out, "# "+filepath.Join(n.config, "db.hcl")+", lines 1-10\n") || !strings.Contains(out, n.read("db.hcl")) {
		t.Errorf("om db print config:\n%s", out)
	}
	out = n.must("db", "print", "config", "--eval")
	for _, want := range []string{
		"# db evaluated on node demo1",
		`nodes       = ["demo1", "demo2"]`,
		`app         = "the db of db"`,
		`start    = "echo db"`,
		"monitor  = true",
		"restart  = 2",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("om db print config --eval lacks %q:\n%s", want, out)
		}
	}
	if out := n.must("--node", "demo2", "db", "print", "config", "--eval"); !strings.Contains(out, "evaluated on node demo2") {
		t.Errorf("om --node demo2 db print config --eval:\n%s", out)
	}

	// a node with no file, whose configuration the cluster distributed
	src := "service \"dist\" {\n  nodes = [\"demo1\"]\n}"
	entry, err := state.NewConfigEntry("dist", src, "demo2", nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := (&state.Store{Root: n.state}).WriteConfig(entry); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"web.hcl", "db.hcl"} {
		os.Remove(filepath.Join(n.config, f))
	}
	want := "# no file here: the configuration the cluster distributed to this node\n" +
		fmt.Sprintf("# the cluster's copy on this node: generation 1 (%s), this text\n", entry.Hash) + src + "\n"
	if out := n.must("dist", "print", "config"); out != want {
		t.Errorf("om dist print config:\n%s\nwant:\n%s", out, want)
	}
}

// om SVC restart stops then starts; om SVC logs shows what was done, who
// asked, and a failure with what it rolled back.
func TestRestartAndLogs(t *testing.T) {
	n := newNode(t)
	if r := n.om("web1", "logs"); r.code != 0 || r.out != "" || !strings.Contains(r.err, "web1: no action recorded on demo1") {
		t.Errorf("om web1 logs before any action: %s", r)
	}
	n.must("web1", "set", "provisioned")
	n.must("web1", "start")
	up := filepath.Join(n.dir, "web1.up")
	if err := os.WriteFile(up, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	n.must("web1", "restart")
	if b, err := os.ReadFile(up); err != nil || len(b) != 0 {
		t.Errorf("om web1 restart did not stop then start the app: %q, %v", b, err)
	}
	out := n.must("web1", "logs")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 6 || !strings.Contains(lines[0], "demo1 web1: start app#web: ok in") || !strings.HasSuffix(lines[1], "by om web1 start") ||
		!strings.Contains(lines[2], "web1: stop app#web: ok") || !strings.HasSuffix(lines[3], "by om web1 restart") ||
		!strings.Contains(lines[4], "web1: start app#web: ok") {
		t.Errorf("om web1 logs:\n%s", out)
	}
	if out := n.must("web1", "logs", "-n", "1"); strings.Count(out, "\n") != 2 || !strings.Contains(out, "start app#web") {
		t.Errorf("om web1 logs -n 1:\n%s", out)
	}

	// a failed start: recorded failed, with its error and rollback
	n.write("web.hcl", strings.Replace(n.read("web.hcl"), `service "web2" {
  nodes = ["demo1"]`, `service "web2" {
  nodes = ["demo1"]
  app "a" {
    start = "touch `+n.dir+`/a.up"
    stop  = "rm -f `+n.dir+`/a.up"
    check = "test -f `+n.dir+`/a.up"
  }
  app "b" {
    start      = "false"
    check      = "false"
    depends_on = [app.a]
  }`, 1))
	n.must("web2", "set", "provisioned")
	n.om("web2", "start")
	out = n.must("web2", "logs", "--json")
	var a state.Action
	if err := json.Unmarshal([]byte(out), &a); err != nil {
		t.Fatalf("om web2 logs --json: %v\n%s", err, out)
	}
	if a.Outcome != "failed" || a.Failed != "app#b" || a.Node != "demo1" || len(a.RolledBack) != 1 || a.RolledBack[0] != "app#a" ||
		!strings.Contains(a.Error, "start of app#b failed") || a.By != "om web2 start" {
		t.Errorf("the failed start's record: %+v", a)
	}
	if out := n.must("web2", "logs"); !strings.Contains(out, ": FAILED in ") || !strings.Contains(out, "  rolled back: app#a") {
		t.Errorf("om web2 logs:\n%s", out)
	}
}

// The systemd unit's stop drains with flags om node drain takes, only
// when OMHCL_STOP_DRAIN=yes, and gives the drain time before systemd
// kills the daemon; systemd-analyze finds no fault in it.
func TestUnitDrainsOnStopWhenAsked(t *testing.T) {
	unit, err := os.ReadFile("../../contrib/omhcl.service")
	if err != nil {
		t.Fatal(err)
	}
	var stop string
	for _, line := range strings.Split(string(unit), "\n") {
		if v, ok := strings.CutPrefix(line, "ExecStop="); ok {
			stop = v
		}
	}
	for _, want := range []string{`"$$OMHCL_STOP_DRAIN" = yes`, "/usr/local/bin/om node drain --until-restart --wait --timeout", "|| echo"} {
		if !strings.Contains(stop, want) {
			t.Errorf("the unit's ExecStop lacks %q: %s", want, stop)
		}
	}
	for _, want := range []string{"Environment=OMHCL_STOP_DRAIN=no", "Environment=OMHCL_DRAIN_TIMEOUT=5m", "TimeoutStopSec=6min"} {
		if !strings.Contains(string(unit), want+"\n") {
			t.Errorf("the unit lacks %s", want)
		}
	}
	help := newNode(t).must("node", "drain", "--help")
	for _, flag := range []string{"--until-restart", "--wait", "--timeout"} {
		if !strings.Contains(help, flag) {
			t.Errorf("om node drain takes no %s, which the unit's stop passes", flag)
		}
	}
	analyze, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Skip("no systemd-analyze to verify the unit")
	}
	dir := t.TempDir()
	copied := strings.ReplaceAll(string(unit), "/usr/local/bin/om", omBin)
	if err := os.WriteFile(filepath.Join(dir, "omhcl.service"), []byte(copied), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(analyze, "verify", filepath.Join(dir, "omhcl.service")).CombinedOutput(); err != nil || len(out) > 0 {
		t.Errorf("systemd-analyze verify: %v\n%s", err, out)
	}
}
