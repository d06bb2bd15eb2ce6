package app

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/omhcl/omhcl/providers"
	"github.com/omhcl/omhcl/providers/app/internal/proc"
)

func TestRegistered(t *testing.T) {
	for typ, want := range map[string]string{"": "forking", "forking": "forking", "simple": "simple"} {
		spec, ok := providers.Lookup("app", typ)
		if !ok || spec.Type != want || spec.Provisionable || len(spec.Exposed) != 0 {
			t.Errorf("Lookup(app, %q) = %+v, %v; want the unprovisionable %s driver", typ, spec, ok, want)
		}
	}
}

func TestForkingLifecycle(t *testing.T) {
	dir := t.TempDir()
	l := seedLauncher(t, dir)
	r := testResource(t, "forking", map[string]string{
		"start": l + " start", "stop": l + " stop", "check": l + " status", "info": l + " info",
	})
	d := newTestDriver(t, r)
	ctx := context.Background()

	if got := d.Describe(); got != "forking: weblauncher" {
		t.Errorf("Describe = %q", got)
	}
	if st := d.Status(ctx); st.State != providers.Down {
		t.Fatalf("Status before start = %+v, want down", st)
	}
	wantOp := "exec " + l + " start as user " + me()
	if ops := d.Operations(ctx, providers.ActStart); !reflect.DeepEqual(ops, []string{wantOp}) {
		t.Errorf("Operations(start) = %q, want %q", ops, wantOp)
	}
	// Operations follow the settings, not the state: the planner decides
	// whether an action is due.
	wantStopOp := "exec " + l + " stop as user " + me()
	if ops := d.Operations(ctx, providers.ActStop); !reflect.DeepEqual(ops, []string{wantStopOp}) {
		t.Errorf("Operations(stop) while down = %q, want %q", ops, wantStopOp)
	}

	log := providers.NewLog(io.Discard).For("n1", r.Service, r.RID())
	if err := d.Start(ctx, log); err != nil {
		t.Fatalf("Start: %v", err)
	}
	lines := log.Lines()
	wantLines := []string{"@ n:n1 o:" + r.Service + " r:app#web sc:n", "  " + wantOp, "  | Starting sleeper...", "  | sleeper started !"}
	if len(lines) != 5 || !reflect.DeepEqual(lines[:4], wantLines) {
		t.Fatalf("start log = %q, want %q then the timing", lines, wantLines)
	}
	if !regexp.MustCompile(`^  start done in 0:00:0\d\.\d{6} - ret 0$`).MatchString(lines[4]) {
		t.Errorf("timing line = %q", lines[4])
	}
	if st := d.Status(ctx); st.State != providers.Up {
		t.Fatalf("Status after start = %+v, want up", st)
	}
	daemon := readPid(t, filepath.Join(dir, "daemon.pid"))

	log = providers.NewLog(io.Discard)
	if err := d.Start(ctx, log); err != nil || !logHas(log, "app#web is already up") || logHas(log, "exec ") {
		t.Errorf("second Start: err %v, log %q; want already up and no exec", err, log.Lines())
	}
	if ops := d.Operations(ctx, providers.ActStart); !reflect.DeepEqual(ops, []string{wantOp}) {
		t.Errorf("Operations(start) while up = %q", ops)
	}
	if ops := d.Operations(ctx, providers.ActStop); len(ops) != 1 || ops[0] != "exec "+l+" stop as user "+me() {
		t.Errorf("Operations(stop) while up = %q", ops)
	}
	info, err := d.(interface {
		Info(context.Context) (string, error)
	}).Info(ctx)
	if err != nil || info != "Name: sleeper\n" {
		t.Errorf("Info = %q, %v", info, err)
	}

	log = providers.NewLog(io.Discard)
	if err := d.Stop(ctx, log); err != nil || !logHas(log, "stop done in") {
		t.Fatalf("Stop: %v, log %q", err, log.Lines())
	}
	if st := d.Status(ctx); st.State != providers.Down {
		t.Errorf("Status after stop = %+v, want down", st)
	}
	if !eventually(2*time.Second, func() bool { s, err := proc.ReadStat(daemon); return err != nil || s.Zombie() }) {
		t.Errorf("daemon %d still runs after stop", daemon)
	}
	log = providers.NewLog(io.Discard)
	if err := d.Stop(ctx, log); err != nil || !logHas(log, "app#web is already down") || logHas(log, "exec ") {
		t.Errorf("second Stop: err %v, log %q; want already down", err, log.Lines())
	}
}

func readPid(t *testing.T, path string) int {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		t.Fatal(err)
	}
	return pid
}

// TestForkingDaemonKeepingOutputOpen: the launcher leaves a daemon holding
// the command's stdout and stderr. Start must return when the launcher
// exits, not when the daemon closes its output.
func TestForkingDaemonKeepingOutputOpen(t *testing.T) {
	dir := t.TempDir()
	l := writeScript(t, dir, "launcher", `nohup sleep 1000 &
echo $! > "$(dirname "$0")/daemon.pid"
echo launched
`)
	r := testResource(t, "forking", map[string]string{"start": l})
	d := newTestDriver(t, r)
	log := providers.NewLog(io.Discard)
	t0 := time.Now()
	if err := d.Start(context.Background(), log); err != nil {
		t.Fatalf("Start: %v", err)
	}
	if el := time.Since(t0); el > 2*time.Second {
		t.Errorf("Start took %s: it waited for the daemon's output", el)
	}
	if !logHas(log, "| launched") {
		t.Errorf("launcher output missing from the log: %q", log.Lines())
	}
	if pid := readPid(t, filepath.Join(dir, "daemon.pid")); !alive(pid) {
		t.Errorf("daemon %d did not survive the start", pid)
	}
}

func alive(pid int) bool {
	s, err := proc.ReadStat(pid)
	return err == nil && !s.Zombie()
}

func TestForkingStartTimeoutKillsTheGroup(t *testing.T) {
	dir := t.TempDir()
	l := writeScript(t, dir, "hang", `echo $$ > "$(dirname "$0")/leader.pid"
sleep 1000 &
echo hanging
sleep 1000
`)
	r := testResource(t, "forking", map[string]string{"start": l, "start_timeout": "500ms"})
	d := newTestDriver(t, r)
	log := providers.NewLog(io.Discard)
	t0 := time.Now()
	err := d.Start(context.Background(), log)
	if el := time.Since(t0); el > 3*time.Second {
		t.Errorf("Start took %s with start_timeout 500ms", el)
	}
	if err == nil || !strings.Contains(err.Error(), "timed out after 500ms") || !strings.Contains(err.Error(), "hanging") {
		t.Fatalf("Start error = %v, want a timeout with the output", err)
	}
	leader := readPid(t, filepath.Join(dir, "leader.pid"))
	var left []int
	if !eventually(2*time.Second, func() bool { left, _ = proc.GroupMembers(leader); return len(left) == 0 }) {
		t.Errorf("process group %d still has %v after the timeout", leader, left)
	}
}

func TestForkingStartFailure(t *testing.T) {
	r := testResource(t, "forking", map[string]string{"start": `sh -c 'echo first; echo boom >&2; exit 3'`})
	d := newTestDriver(t, r)
	log := providers.NewLog(io.Discard)
	err := d.Start(context.Background(), log)
	if err == nil || !strings.Contains(err.Error(), "exit status 3") || !strings.Contains(err.Error(), "first / boom") || !strings.Contains(err.Error(), "app#web") {
		t.Errorf("Start error = %v, want the rid, exit status and output", err)
	}
	if !logHas(log, "- ret 3") || !logHas(log, "| boom") {
		t.Errorf("log = %q, want the output and ret 3", log.Lines())
	}
}

func TestForkingRetcodes(t *testing.T) {
	dir := t.TempDir()
	codeFile := filepath.Join(dir, "code")
	check := writeScript(t, dir, "check", `exit $(cat "$(dirname "$0")/code")`)
	r := testResource(t, "forking", map[string]string{"start": "true", "check": check, "retcodes": "0:up 1:down 3:n/a 4:stdby up 5:warn"})
	d := newTestDriver(t, r)
	cases := []struct {
		code string
		want providers.State
		msg  string
	}{
		{"0", providers.Up, ""}, {"1", providers.Down, ""}, {"3", providers.NA, ""},
		{"4", providers.StdbyUp, ""}, {"5", providers.Warn, ""}, {"7", providers.Warn, "check exit code 7"},
	}
	for _, c := range cases {
		os.WriteFile(codeFile, []byte(c.code), 0o644)
		st := d.Status(context.Background())
		if st.State != c.want || (c.msg != "" && (len(st.Messages) != 1 || st.Messages[0] != c.msg)) {
			t.Errorf("check exit %s: Status = %+v, want %s %q", c.code, st, c.want, c.msg)
		}
	}
}

func TestForkingCheckTimeout(t *testing.T) {
	r := testResource(t, "forking", map[string]string{"start": "true", "check": "sleep 1000", "check_timeout": "300ms"})
	d := newTestDriver(t, r)
	t0 := time.Now()
	st := d.Status(context.Background())
	if el := time.Since(t0); el > 2*time.Second {
		t.Errorf("Status took %s with check_timeout 300ms", el)
	}
	if st.State != providers.Warn || len(st.Messages) == 0 || !strings.Contains(st.Messages[0], "timed out after 300ms") {
		t.Errorf("Status = %+v, want warn: timed out", st)
	}
}

func TestForkingWithoutCheckOrStop(t *testing.T) {
	dir := t.TempDir()
	marker := filepath.Join(dir, "ran")
	r := testResource(t, "forking", map[string]string{"start": "touch " + marker})
	d := newTestDriver(t, r)
	ctx := context.Background()
	if st := d.Status(ctx); st.State != providers.NA || !reflect.DeepEqual(st.Messages, []string{"no check command"}) {
		t.Errorf("Status = %+v, want n/a: no check command", st)
	}
	if err := d.Start(ctx, providers.NewLog(io.Discard)); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(marker); err != nil {
		t.Errorf("start did not run: %v", err)
	}
	if ops := d.Operations(ctx, providers.ActStop); ops != nil {
		t.Errorf("Operations(stop) without a stop command = %q", ops)
	}
	log := providers.NewLog(io.Discard)
	if err := d.Stop(ctx, log); err != nil || !logHas(log, "no stop command") {
		t.Errorf("Stop: %v, log %q", err, log.Lines())
	}
}

// TestForkingCheckNotFoundIsDown: a launcher on a filesystem that is not
// mounted means the app is down, said plainly, however the check runs.
func TestForkingCheckNotFoundIsDown(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "unmounted", "launcher")
	for name, attrs := range map[string]map[string]string{
		"exec":            {"check": missing + " status"},
		"shell syntax":    {"check": missing + " status >/dev/null"},
		"umask":           {"check": missing + " status", "umask": "022"},
		"relative to cwd": {"check": "unmounted/launcher status", "cwd": filepath.Dir(filepath.Dir(missing))},
	} {
		t.Run(name, func(t *testing.T) {
			attrs["start"] = missing + " start"
			d := newTestDriver(t, testResource(t, "forking", attrs))
			st := d.Status(context.Background())
			want := "check: launcher " + strings.Fields(attrs["check"])[0] + " not found (is its filesystem mounted?)"
			if st.State != providers.Down || len(st.Messages) != 1 || st.Messages[0] != want {
				t.Errorf("Status = %+v, want down: %s", st, want)
			}
			err := d.Start(context.Background(), providers.NewLog(io.Discard))
			if err == nil || !strings.Contains(err.Error(), "not found") {
				t.Errorf("Start: %v, want the launcher not found", err)
			}
		})
	}
}

// TestForkingCheckFailuresStayVisible: a launcher that exists but cannot
// run, or fails, is not mistaken for one on an unmounted filesystem.
func TestForkingCheckFailuresStayVisible(t *testing.T) {
	dir := t.TempDir()
	notExec := filepath.Join(dir, "launcher")
	if err := os.WriteFile(notExec, []byte("#!/bin/sh\nexit 0\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	crashing := writeScript(t, dir, "crashing", "exit 3\n")
	for check, want := range map[string]string{
		notExec + " status":  "permission denied",
		crashing + " status": "check exit code 3",
	} {
		r := testResource(t, "forking", map[string]string{"start": crashing, "check": check})
		st := newTestDriver(t, r).Status(context.Background())
		if st.State == providers.Up || len(st.Messages) != 1 || !strings.Contains(st.Messages[0], want) || strings.Contains(st.Messages[0], "not found") {
			t.Errorf("%s: Status = %+v, want %q", check, st, want)
		}
	}
}

func TestEnvironmentCwdUmask(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "out")
	r := testResource(t, "forking", map[string]string{
		"start": `sh -c 'pwd; echo "$FOO"; umask; echo "$OMHCL_RID $OMHCL_NODE"' > ` + out,
		"cwd":   dir,
		"umask": "027",
	})
	r.Attrs["environment"] = mapVal(map[string]string{"FOO": "bar baz", "PATH": os.Getenv("PATH")})
	log := providers.NewLog(io.Discard)
	if err := newTestDriver(t, r).Start(context.Background(), log); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatalf("%v; log %q", err, log.Lines())
	}
	if err != nil {
		t.Fatal(err)
	}
	want := dir + "\nbar baz\n0027\napp#web n1\n"
	if string(b) != want {
		t.Errorf("command saw %q, want %q", b, want)
	}
	if fi, err := os.Stat(out); err != nil || fi.Mode().Perm() != 0o640 {
		t.Errorf("file made under umask 027 has mode %v (%v), want 0640", fi.Mode().Perm(), err)
	}
}

func TestDefaultCwdIsRoot(t *testing.T) {
	r := testResource(t, "forking", map[string]string{"start": "pwd"})
	log := providers.NewLog(io.Discard)
	if err := newTestDriver(t, r).Start(context.Background(), log); err != nil || !logHas(log, "| /") {
		t.Errorf("Start: %v, log %q; want pwd = /", err, log.Lines())
	}
}

func TestShellDetectionInDriver(t *testing.T) {
	r := testResource(t, "forking", map[string]string{"start": "echo abc | tr a x"})
	log := providers.NewLog(io.Discard)
	if err := newTestDriver(t, r).Start(context.Background(), log); err != nil {
		t.Fatal(err)
	}
	if !logHas(log, "exec /bin/sh -c 'echo abc | tr a x' as user") || !logHas(log, "| xbc") {
		t.Errorf("log = %q, want the command run through a shell", log.Lines())
	}
	r = testResource(t, "forking", map[string]string{"start": `echo 'a | b' "$HOME"x`})
	log = providers.NewLog(io.Discard)
	if err := newTestDriver(t, r).Start(context.Background(), log); err != nil {
		t.Fatal(err)
	}
	if !logHas(log, "| a | b "+os.Getenv("HOME")+"x") {
		t.Errorf("log = %q, want $HOME expanded inside double quotes", log.Lines())
	}
	r = testResource(t, "forking", map[string]string{"start": `echo 'a | b' \$HOME`})
	log = providers.NewLog(io.Discard)
	if err := newTestDriver(t, r).Start(context.Background(), log); err != nil {
		t.Fatal(err)
	}
	if !logHas(log, "exec echo 'a | b' '$HOME' as user") || !logHas(log, "| a | b $HOME") {
		t.Errorf("log = %q, want a plain exec with literal words", log.Lines())
	}
}

func TestRunAsUser(t *testing.T) {
	requireRoot(t)
	r := testResource(t, "forking", map[string]string{"start": "id -u", "info": `sh -c 'id -u; id -g; echo "$USER $HOME"'`, "user": "nobody"})
	d := newTestDriver(t, r)
	log := providers.NewLog(io.Discard)
	if err := d.Start(context.Background(), log); err != nil {
		t.Fatal(err)
	}
	if !logHas(log, "exec id -u as user nobody") || !logHas(log, "| 65534") {
		t.Errorf("log = %q, want id -u run as nobody", log.Lines())
	}
	info, err := d.(*forking).Info(context.Background())
	if err != nil || info != "65534\n65534\nnobody /nonexistent\n" {
		t.Errorf("Info = %q, %v", info, err)
	}
}

func TestUnknownUser(t *testing.T) {
	r := testResource(t, "forking", map[string]string{"start": "true", "check": "true", "user": "no-such-user-omhcl"})
	d := newTestDriver(t, r)
	err := d.Start(context.Background(), providers.NewLog(io.Discard))
	if err == nil || !strings.Contains(err.Error(), `user "no-such-user-omhcl"`) {
		t.Errorf("Start error = %v, want the unknown user named", err)
	}
	if st := d.Status(context.Background()); st.State != providers.Down || len(st.Messages) == 0 {
		t.Errorf("Status = %+v, want down with the reason", st)
	}
}
