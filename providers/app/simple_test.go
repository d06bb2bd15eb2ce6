package app

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/omhcl/omhcl/providers"
	"github.com/omhcl/omhcl/providers/app/internal/proc"
)

func startSimple(t *testing.T, d providers.Driver) *providers.Log {
	t.Helper()
	log := providers.NewLog(io.Discard)
	if err := d.Start(context.Background(), log); err != nil {
		t.Fatalf("Start: %v (log %q)", err, log.Lines())
	}
	return log
}

func pidFile(t *testing.T, r *providers.Resource) proc.PidFile {
	t.Helper()
	pf, ok, err := proc.ReadPidFile(filepath.Join(r.StateDir, "app.pid"))
	if err != nil || !ok {
		t.Fatalf("pid file: ok %v, %v", ok, err)
	}
	return pf
}

func TestSimpleLifecycle(t *testing.T) {
	r := testResource(t, "simple", map[string]string{"start": `sh -c 'echo hello from $OMHCL_RID; exec sleep 1000'`})
	d := newTestDriver(t, r)
	ctx := context.Background()
	if got := d.Describe(); got != "simple: sh" {
		t.Errorf("Describe = %q", got)
	}
	if st := d.Status(ctx); st.State != providers.Down {
		t.Fatalf("Status before start = %+v", st)
	}
	wantStop := []string{"kill -TERM the processes of app#web, -KILL after 10s"}
	if ops := d.Operations(ctx, providers.ActStop); !reflect.DeepEqual(ops, wantStop) {
		t.Errorf("Operations(stop) while down = %q, want %q", ops, wantStop)
	}
	log := startSimple(t, d)
	pf := pidFile(t, r)
	wantExec := "  exec sh -c 'echo hello from $OMHCL_RID; exec sleep 1000' as user " + me()
	if lines := log.Lines(); len(lines) != 2 || lines[0] != wantExec || !strings.HasSuffix(lines[1], fmt.Sprintf(" - pid %d", pf.Pid)) {
		t.Errorf("start log = %q", lines)
	}
	if fi, err := os.Stat(r.StateDir); err != nil || fi.Mode().Perm() != 0o700 {
		t.Errorf("state dir: %v, %v; want created 0700", fi, err)
	}
	st, err := proc.ReadStat(pf.Pid)
	if err != nil || st.Session != pf.Pid || st.StartTime != pf.StartTime {
		t.Errorf("process %+v (%v): want the leader of its own session, started at %d", st, err, pf.StartTime)
	}
	if s := d.Status(ctx); s.State != providers.Up {
		t.Errorf("Status = %+v, want up", s)
	}
	if !eventually(2*time.Second, func() bool {
		b, _ := os.ReadFile(filepath.Join(r.StateDir, "app.log"))
		return string(b) == "hello from app#web\n"
	}) {
		t.Error("the process's output is not in app.log")
	}

	log = providers.NewLog(io.Discard)
	if err := d.Start(ctx, log); err != nil || !logHas(log, fmt.Sprintf("app#web is already up (pid %d)", pf.Pid)) {
		t.Errorf("second Start: %v, %q", err, log.Lines())
	}
	if again := pidFile(t, r); again != pf {
		t.Errorf("second Start replaced the pid file: %+v, was %+v", again, pf)
	}
	if ops := d.Operations(ctx, providers.ActStart); len(ops) != 1 || "  "+ops[0] != wantExec {
		t.Errorf("Operations(start) while up = %q", ops)
	}
	if ops := d.Operations(ctx, providers.ActStop); !reflect.DeepEqual(ops, wantStop) {
		t.Errorf("Operations(stop) = %q, want %q", ops, wantStop)
	}

	log = providers.NewLog(io.Discard)
	if err := d.Stop(ctx, log); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	if !logHas(log, fmt.Sprintf("kill -TERM %d", pf.Pid)) || logHas(log, "kill -KILL") {
		t.Errorf("stop log = %q, want SIGTERM to be enough", log.Lines())
	}
	if proc.Alive(pf.Pid, pf.StartTime) {
		t.Error("process still runs after Stop")
	}
	if _, err := os.Stat(filepath.Join(r.StateDir, "app.pid")); !os.IsNotExist(err) {
		t.Errorf("pid file left after Stop: %v", err)
	}
	if s := d.Status(ctx); s.State != providers.Down {
		t.Errorf("Status after Stop = %+v", s)
	}
	log = providers.NewLog(io.Discard)
	if err := d.Stop(ctx, log); err != nil || !logHas(log, "app#web is already down") {
		t.Errorf("second Stop: %v, %q", err, log.Lines())
	}
}

// TestSimpleOutlivesItsStarter starts the app from a separate process (this
// test binary, as TestHelperStartSimple) that then exits, like omapply.
func TestSimpleOutlivesItsStarter(t *testing.T) {
	r := testResource(t, "simple", map[string]string{"start": "sleep 1000"})
	helper := exec.Command(os.Args[0], "-test.run=^TestHelperStartSimple$", "-test.count=1")
	helper.Env = append(os.Environ(), "APPTEST_HELPER_STATE="+r.StateDir, "APPTEST_HELPER_SERVICE="+r.Service)
	out, err := helper.CombinedOutput()
	if err != nil {
		t.Fatalf("helper: %v\n%s", err, out)
	}
	pf := pidFile(t, r)
	st, err := proc.ReadStat(pf.Pid)
	if err != nil || st.Zombie() {
		t.Fatalf("app died with its starter: %+v, %v", st, err)
	}
	if st.PPid == helper.Process.Pid {
		t.Errorf("app still has its exited starter %d as parent", st.PPid)
	}
	d := newTestDriver(t, r)
	if s := d.Status(context.Background()); s.State != providers.Up {
		t.Errorf("Status from a new driver = %+v, want up", s)
	}
	if err := d.Stop(context.Background(), providers.NewLog(io.Discard)); err != nil {
		t.Fatal(err)
	}
	if proc.Alive(pf.Pid, pf.StartTime) {
		t.Error("orphaned app survived Stop")
	}
}

func TestHelperStartSimple(t *testing.T) {
	state := os.Getenv("APPTEST_HELPER_STATE")
	if state == "" {
		t.Skip("helper process of TestSimpleOutlivesItsStarter")
	}
	r := testResource(t, "simple", map[string]string{"start": "sleep 1000"})
	r.StateDir, r.Service = state, os.Getenv("APPTEST_HELPER_SERVICE")
	startSimple(t, newTestDriver(t, r))
	os.Exit(0) // skip the cleanup that would kill the app
}

func TestSimpleDetectsDeath(t *testing.T) {
	r := testResource(t, "simple", map[string]string{"start": "sleep 1000"})
	d := newTestDriver(t, r)
	startSimple(t, d)
	pf := pidFile(t, r)
	if err := syscall.Kill(pf.Pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	var st providers.Status
	if !eventually(2*time.Second, func() bool { st = d.Status(context.Background()); return st.State == providers.Down }) {
		t.Fatalf("Status after kill -9 = %+v, want down", st)
	}
	if ops := d.Operations(context.Background(), providers.ActStart); len(ops) != 1 || !strings.HasPrefix(ops[0], "exec sleep 1000") {
		t.Errorf("Operations(start) = %q", ops)
	}
	startSimple(t, d) // restarts
	if again := pidFile(t, r); again.Pid == pf.Pid || !again.Alive() {
		t.Errorf("restart: pid file %+v", again)
	}
}

func TestSimplePidReuseGuard(t *testing.T) {
	r := testResource(t, "simple", map[string]string{"start": "sleep 1000"})
	self, err := proc.ReadStat(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	os.MkdirAll(r.StateDir, 0o700)
	pidPath := filepath.Join(r.StateDir, "app.pid")
	if err := proc.WritePidFile(pidPath, proc.PidFile{Pid: self.Pid, StartTime: self.StartTime + 1}); err != nil {
		t.Fatal(err)
	}
	d := newTestDriver(t, r)
	if st := d.Status(context.Background()); st.State != providers.Down {
		t.Errorf("Status with a reused pid = %+v, want down", st)
	}
	log := providers.NewLog(io.Discard)
	if err := d.Stop(context.Background(), log); err != nil || !logHas(log, "already down") || logHas(log, "kill") {
		t.Errorf("Stop with a reused pid: %v, %q; want nothing killed", err, log.Lines())
	}
	if _, err := os.Stat(pidPath); !os.IsNotExist(err) {
		t.Errorf("stale pid file kept: %v", err)
	}
}

func TestSimpleStopEscalatesToKill(t *testing.T) {
	r := testResource(t, "simple", map[string]string{
		"start":        `sh -c 'trap "" TERM; while :; do sleep 0.1; done'`,
		"kill_timeout": "400ms",
	})
	d := newTestDriver(t, r)
	startSimple(t, d)
	pf := pidFile(t, r)
	log := providers.NewLog(io.Discard)
	t0 := time.Now()
	if err := d.Stop(context.Background(), log); err != nil {
		t.Fatal(err)
	}
	el := time.Since(t0)
	if !logHas(log, "kill -TERM") || !logHas(log, "kill -KILL") {
		t.Errorf("stop log = %q, want TERM then KILL", log.Lines())
	}
	if el < 400*time.Millisecond || el > 3*time.Second {
		t.Errorf("Stop took %s with kill_timeout 400ms", el)
	}
	if proc.Alive(pf.Pid, pf.StartTime) {
		t.Error("process ignoring SIGTERM survived Stop")
	}
}

func TestSimpleExitingAtOnceFails(t *testing.T) {
	r := testResource(t, "simple", map[string]string{"start": `sh -c 'echo bad config >&2; exit 4'`})
	err := newTestDriver(t, r).Start(context.Background(), providers.NewLog(io.Discard))
	if err == nil || !strings.Contains(err.Error(), "exited right after start (exit status 4)") || !strings.Contains(err.Error(), "bad config") {
		t.Errorf("Start error = %v, want the exit status and the log tail", err)
	}
	if _, err := os.Stat(filepath.Join(r.StateDir, "app.pid")); !os.IsNotExist(err) {
		t.Errorf("pid file left after a failed start: %v", err)
	}
	r = testResource(t, "simple", map[string]string{"start": filepath.Join(t.TempDir(), "missing")})
	if err := newTestDriver(t, r).Start(context.Background(), providers.NewLog(io.Discard)); err == nil || !strings.Contains(err.Error(), "missing") {
		t.Errorf("Start of a missing binary: %v", err)
	}
}

func TestSimpleWithCheck(t *testing.T) {
	dir := t.TempDir()
	ready := filepath.Join(dir, "ready")
	r := testResource(t, "simple", map[string]string{
		"start": fmt.Sprintf(`sh -c 'sleep 0.4; touch %s; exec sleep 1000'`, ready),
		"check": "test -f " + ready,
	})
	d := newTestDriver(t, r)
	t0 := time.Now()
	startSimple(t, d)
	if el := time.Since(t0); el < 400*time.Millisecond {
		t.Errorf("Start returned after %s, before the check said up", el)
	}
	if st := d.Status(context.Background()); st.State != providers.Up {
		t.Errorf("Status = %+v", st)
	}
	os.Remove(ready)
	st := d.Status(context.Background())
	if st.State != providers.Warn || len(st.Messages) == 0 || !strings.Contains(st.Messages[0], "runs but the check says down") {
		t.Errorf("Status with a failing check = %+v, want warn", st)
	}
}

func TestSimpleCheckNeverUp(t *testing.T) {
	r := testResource(t, "simple", map[string]string{"start": "sleep 1000", "check": "false", "start_timeout": "500ms"})
	d := newTestDriver(t, r)
	err := d.Start(context.Background(), providers.NewLog(io.Discard))
	if err == nil || !strings.Contains(err.Error(), "did not say up within 500ms") {
		t.Fatalf("Start error = %v", err)
	}
	if st := d.Status(context.Background()); st.State != providers.Down {
		t.Errorf("Status after a failed start = %+v, want down (process killed)", st)
	}
}

func TestSimpleStopCommand(t *testing.T) {
	dir := t.TempDir()
	stopped := filepath.Join(dir, "stopped")
	r := testResource(t, "simple", map[string]string{
		"start": fmt.Sprintf(`sh -c 'while [ ! -f %s ]; do sleep 0.05; done'`, stopped),
		"stop":  "touch " + stopped,
	})
	d := newTestDriver(t, r)
	startSimple(t, d)
	if ops := d.Operations(context.Background(), providers.ActStop); len(ops) != 1 || ops[0] != "exec touch "+stopped+" as user "+me() {
		t.Errorf("Operations(stop) = %q", ops)
	}
	log := providers.NewLog(io.Discard)
	if err := d.Stop(context.Background(), log); err != nil {
		t.Fatal(err)
	}
	if !logHas(log, "exec touch "+stopped) || logHas(log, "kill -") {
		t.Errorf("stop log = %q, want the stop command and no signal", log.Lines())
	}
	if st := d.Status(context.Background()); st.State != providers.Down {
		t.Errorf("Status = %+v", st)
	}
}

func TestSimpleLeftovers(t *testing.T) {
	dir := t.TempDir()
	childPid := filepath.Join(dir, "child")
	r := testResource(t, "simple", map[string]string{"start": fmt.Sprintf(`sh -c 'sleep 1000 & echo $! > %s; wait'`, childPid)})
	d := newTestDriver(t, r)
	startSimple(t, d)
	pf := pidFile(t, r)
	syscall.Kill(pf.Pid, syscall.SIGKILL)
	var st providers.Status
	if !eventually(2*time.Second, func() bool { st = d.Status(context.Background()); return st.State == providers.Warn }) {
		t.Fatalf("Status with the leader dead and its child running = %+v, want warn", st)
	}
	child := readPid(t, childPid)
	log := providers.NewLog(io.Discard)
	if err := d.Stop(context.Background(), log); err != nil || !logHas(log, fmt.Sprintf("kill -TERM %d", child)) {
		t.Errorf("Stop: %v, %q; want the leftover child signalled", err, log.Lines())
	}
	if alive(child) {
		t.Error("leftover child survived Stop")
	}
	if st := d.Status(context.Background()); st.State != providers.Down {
		t.Errorf("Status = %+v", st)
	}
}

func TestSimpleAsUser(t *testing.T) {
	requireRoot(t)
	r := testResource(t, "simple", map[string]string{"start": "sleep 1000", "user": "nobody"})
	d := newTestDriver(t, r)
	log := startSimple(t, d)
	if !logHas(log, "as user nobody") {
		t.Errorf("log = %q", log.Lines())
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pidFile(t, r).Pid))
	if err != nil || !strings.Contains(string(b), "\nUid:\t65534\t65534\t65534\t65534\n") {
		t.Errorf("process does not run as nobody: %v\n%s", err, b)
	}
	if err := d.Stop(context.Background(), providers.NewLog(io.Discard)); err != nil {
		t.Fatal(err)
	}
}
