package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// threeApps: b depends on a; c stands alone; d's start fails (when the
// service runs with d, a failed start and its rollback).
const threeApps = `
service "svc" {
  nodes = ["demo1"]
  app "a" {
    start = "sh -c 'echo starting a; touch %[1]s/a.up %[1]s/a.started'"
    stop  = "rm -f %[1]s/a.up"
    check = "test -f %[1]s/a.up"
  }
  app "b" {
    start      = "sh -c 'touch %[1]s/b.up %[1]s/b.started'"
    stop       = "rm -f %[1]s/b.up"
    check      = "test -f %[1]s/b.up"
    depends_on = [app.a]
  }
  app "c" {
    start = "sh -c 'touch %[1]s/c.up %[1]s/c.started'"
    stop  = "rm -f %[1]s/c.up"
    check = "test -f %[1]s/c.up"
  }
}
`

const failingApp = `
  app "d" {
    start      = "sh -c 'echo d cannot start >&2; exit 3'"
    check      = "false"
    depends_on = [app.c]
  }
}
`

// started lists the apps omapply started.
func (n *node) started() []string {
	var out []string
	for _, a := range []string{"a", "b", "c"} {
		if n.exists(a + ".started") {
			out = append(out, a)
		}
	}
	return out
}

const refusal = "the plan above was not applied, nothing changed. Run omapply with -auto-approve, or save the plan with omplan -out FILE and apply it with omapply FILE"

// Without a terminal and without -auto-approve, omapply prints the plan,
// refuses it, exits 1 and starts nothing; -input=false refuses the same,
// even on a terminal and with "yes" typed.
func TestWithoutApprovalNothingIsApplied(t *testing.T) {
	n := newNodeWith(t, threeApps)
	out, code := n.run("yes\n", omapplyBin, n.dir)
	if code != 1 || !strings.Contains(out, "Plan: 3 to start") || !strings.Contains(out, "no terminal to ask for approval: "+refusal) {
		t.Fatalf("omapply without a terminal exited %d", code)
	}
	if s := n.started(); len(s) > 0 {
		t.Fatalf("omapply without approval started %q", s)
	}
	out, code = n.run("yes\n", omapplyBin, "-input=false", n.dir)
	if code != 1 || !strings.Contains(out, "-input=false: no approval asked: "+refusal) {
		t.Fatalf("omapply -input=false exited %d", code)
	}
	if script, err := exec.LookPath("script"); err == nil {
		out, code = n.run("yes\n", script, "-qec", omapplyBin+" -input=false "+n.dir, "/dev/null")
		if code != 1 || strings.Contains(out, "Do you want to perform") || !strings.Contains(out, "-input=false: no approval asked") {
			t.Fatalf("omapply -input=false on a terminal exited %d", code)
		}
	}
	if s := n.started(); len(s) > 0 {
		t.Fatalf("omapply -input=false started %q", s)
	}
	if _, code = n.run("", omapplyBin, "-auto-approve", n.dir); code != 0 || len(n.started()) != 3 {
		t.Fatalf("omapply -auto-approve exited %d, started %q", code, n.started())
	}
	// nothing to approve: a converged node is no error
	if out, code = n.run("", omapplyBin, n.dir); code != 0 || !strings.Contains(out, "No changes.") {
		t.Fatalf("omapply of a converged node without a terminal exited %d", code)
	}
}

// A saved plan was reviewed when saved: omapply applies it without a
// prompt, on a terminal or not, as terraform apply PLANFILE does.
func TestSavedPlanAppliesWithoutAPrompt(t *testing.T) {
	n := newNodeWith(t, threeApps)
	saved := filepath.Join(n.dir, "svc.plan")
	if _, code := n.run("", omplanBin, "-target", "svc.app#b", "-out", saved, n.dir); code != 0 {
		t.Fatalf("omplan -out exited %d", code)
	}
	out, code := n.run("", omapplyBin, saved)
	if code != 0 || strings.Contains(out, "Do you want") || !strings.Contains(out, "Apply complete! Resources: 2 started") {
		t.Fatalf("omapply PLANFILE without a terminal exited %d", code)
	}
	if s := n.started(); !slices.Equal(s, []string{"a", "b"}) {
		t.Fatalf("the saved plan of -target svc.app#b started %q, want a and b", s)
	}
	script, err := exec.LookPath("script")
	if err != nil {
		t.Skip("needs script(1) from util-linux for a terminal")
	}
	if _, code := n.run("", omplanBin, "-out", saved, n.dir); code != 0 {
		t.Fatalf("omplan -out exited %d", code)
	}
	out, code = n.run("", script, "-qec", omapplyBin+" "+saved, "/dev/null")
	if code != 0 || strings.Contains(out, "Do you want") || !n.exists("c.started") {
		t.Fatalf("omapply PLANFILE on a terminal exited %d, c started: %t", code, n.exists("c.started"))
	}
	if out, code = n.run("", omapplyBin, "-target", "svc.app#a", saved); code != 1 || !strings.Contains(out, "a saved plan applies as it was planned") {
		t.Fatalf("omapply -target PLANFILE exited %d", code)
	}
}

// -target limits the apply to the resource and what it depends on; the
// old spelling of the desired state still works, with a warning.
func TestTargetLimitsTheApply(t *testing.T) {
	n := newNodeWith(t, threeApps)
	out, code := n.run("", omapplyBin, "-auto-approve", "-target", "svc.app#b", n.dir)
	if code != 0 || !strings.Contains(out, "Resources: 2 started") {
		t.Fatalf("omapply -target svc.app#b exited %d", code)
	}
	if s := n.started(); !slices.Equal(s, []string{"a", "b"}) {
		t.Fatalf("-target svc.app#b started %q, want a (its dependency) and b", s)
	}
	// down: what depends on a goes down with it, c stays untouched
	out, code = n.run("", omapplyBin, "-auto-approve", "-target=down", "-target", "svc.app#a", n.dir)
	if code != 0 || !strings.Contains(out, "Warning: -target down names a desired state: write -desired down") ||
		!strings.Contains(out, "Resources: 0 started, 2 stopped") {
		t.Fatalf("omapply -target=down -target svc.app#a exited %d", code)
	}
	if n.exists("a.up") || n.exists("b.up") {
		t.Fatal("a or b still up after -desired down -target svc.app#a")
	}
	if out, code = n.run("", omapplyBin, "-auto-approve", "-target", "svc.app#nope", n.dir); code != 1 ||
		!strings.Contains(out, "-target svc.app#nope: no such resource (the resources: svc.app#a, svc.app#b, svc.app#c)") {
		t.Fatalf("omapply -target of a typo exited %d", code)
	}
}

// readEvent is what the tests read of omapply -json's events.
type readEvent struct {
	Type      string   `json:"type"`
	Level     string   `json:"@level"`
	Message   string   `json:"@message"`
	Timestamp string   `json:"@timestamp"`
	Resource  string   `json:"resource"`
	Action    string   `json:"action"`
	Rollback  bool     `json:"rollback"`
	Output    []string `json:"output"`
	ElapsedMS *int64   `json:"elapsed_ms"`
	Error     string   `json:"error"`
	Status    string   `json:"status"`
	Changes   *struct {
		Start int `json:"start"`
	} `json:"changes"`
}

// runJSON runs omapply with args, its stdout apart, and parses every
// line of it as an event.
func (n *node) runJSON(args ...string) ([]readEvent, string, int) {
	n.t.Helper()
	var stdout, stderr bytes.Buffer
	code := n.exec(nil, &stdout, &stderr, append([]string{omapplyBin}, args...)...)
	n.t.Logf("omapply %s: exit %d\nstdout:\n%sstderr:\n%s", strings.Join(args, " "), code, stdout.String(), stderr.String())
	var evs []readEvent
	sc := bufio.NewScanner(&stdout)
	for sc.Scan() {
		var ev readEvent
		if err := json.Unmarshal(sc.Bytes(), &ev); err != nil || ev.Type == "" || ev.Timestamp == "" || ev.Message == "" {
			n.t.Fatalf("stdout line %q: %v; want an event with type, @timestamp and @message", sc.Text(), err)
		}
		evs = append(evs, ev)
	}
	return evs, stderr.String(), code
}

// summary is "type resource action" per event.
func summary(evs []readEvent) []string {
	var out []string
	for _, e := range evs {
		s := e.Type
		if e.Resource != "" {
			s += " " + e.Resource + " " + e.Action
		}
		if e.Rollback {
			s += " (rollback)"
		}
		if e.Status != "" {
			s += " " + e.Status
		}
		out = append(out, s)
	}
	return out
}

// -json writes one event per line: the plan, each step started then
// completed or errored with its duration and output, the rollback, the
// outcome. It never asks: without -auto-approve or a saved plan it
// refuses before anything.
func TestJSONStreamsApplyEvents(t *testing.T) {
	n := newNodeWith(t, strings.TrimSuffix(strings.TrimSpace(threeApps), "}")+failingApp)
	evs, stderr, code := n.runJSON("-json", n.dir)
	if code != 1 || len(evs) != 0 || !strings.Contains(stderr, "-json needs -auto-approve or a saved plan") || len(n.started()) > 0 {
		t.Fatalf("omapply -json without -auto-approve: exit %d, %d events, started %q", code, len(evs), n.started())
	}
	evs, _, code = n.runJSON("-json", "-auto-approve", n.dir)
	want := []string{
		"plan",
		"apply_start svc.app#a start", "apply_complete svc.app#a start",
		"apply_start svc.app#b start", "apply_complete svc.app#b start",
		"apply_start svc.app#c start", "apply_complete svc.app#c start",
		"apply_start svc.app#d start", "apply_errored svc.app#d start",
		"apply_start svc.app#c stop (rollback)", "apply_complete svc.app#c stop (rollback)",
		"apply_start svc.app#b stop (rollback)", "apply_complete svc.app#b stop (rollback)",
		"apply_start svc.app#a stop (rollback)", "apply_complete svc.app#a stop (rollback)",
		"outcome errored",
	}
	if got := summary(evs); code != 1 || !slices.Equal(got, want) {
		t.Fatalf("omapply -json -auto-approve: exit %d, events\n got %q\nwant %q", code, got, want)
	}
	if evs[0].Changes == nil || evs[0].Changes.Start != 4 {
		t.Errorf("plan event %+v: want 4 to start", evs[0])
	}
	for _, e := range evs {
		switch e.Type {
		case "apply_complete", "apply_errored":
			if e.ElapsedMS == nil || e.Output == nil {
				t.Errorf("%s %s: elapsed_ms %v, output %q: want both", e.Type, e.Resource, e.ElapsedMS, e.Output)
			}
		}
	}
	if a := evs[2]; !slices.Contains(a.Output, "| starting a") {
		t.Errorf("a's start output %q lacks its command's output", a.Output)
	}
	if d := evs[8]; d.Level != "error" || !strings.Contains(d.Error, "exit status 3") || !slices.Contains(d.Output, "| d cannot start") {
		t.Errorf("d's errored event: level %q, error %q, output %q", d.Level, d.Error, d.Output)
	}
	if o := evs[len(evs)-1]; o.Level != "error" || !strings.Contains(o.Error, "start of app#d failed") {
		t.Errorf("outcome: level %q, error %q", o.Level, o.Error)
	}

	// a saved plan needs no -auto-approve
	saved := filepath.Join(n.dir, "svc.plan")
	if _, code := n.run("", omplanBin, "-target", "svc.app#b", "-out", saved, n.dir); code != 0 {
		t.Fatalf("omplan -out exited %d", code)
	}
	evs, _, code = n.runJSON("-json", saved)
	want = []string{"plan", "apply_start svc.app#a start", "apply_complete svc.app#a start",
		"apply_start svc.app#b start", "apply_complete svc.app#b start", "outcome applied"}
	if got := summary(evs); code != 0 || !slices.Equal(got, want) {
		t.Fatalf("omapply -json PLANFILE: exit %d, events\n got %q\nwant %q", code, got, want)
	}
	if o := evs[len(evs)-1]; o.Message != "Apply complete! Resources: 2 started, 0 stopped, 0 replaced, 0 updated in place, 0 provisioned, 0 unprovisioned." {
		t.Errorf("outcome message %q", o.Message)
	}
}
