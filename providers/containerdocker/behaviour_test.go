package containerdocker

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/omhcl/omhcl/providers"
	"github.com/zclconf/go-cty/cty"
)

// A micro-container shares the network namespace of a pause container,
// found by its labels.
func TestSharedNetns(t *testing.T) {
	l := newLab(t, "docker", dockerSocket)
	pause := l.driver(l.resource("pause", map[string]cty.Value{"command": cmd("sleep", "300"), "rm": cty.True, "stop_timeout": cty.StringVal("0s")}))
	web := l.driver(l.resource("web", map[string]cty.Value{
		"command": cmd("sleep", "300"), "netns": cty.StringVal("container#pause"), "rm": cty.True, "stop_timeout": cty.StringVal("0s"),
	}))
	l.start(pause)
	l.start(web)
	a, b := pause.Exposed(context.Background()), web.Exposed(context.Background())
	na, err1 := os.Readlink(a["netns_path"].AsString())
	nb, err2 := os.Readlink(b["netns_path"].AsString())
	if err1 != nil || err2 != nil || na != nb {
		t.Fatalf("netns %q (%v) and %q (%v): want the same", na, err1, nb, err2)
	}
	self, _ := os.Readlink("/proc/self/ns/net")
	if na == self {
		t.Errorf("containers in the host's namespace %s", na)
	}
	ops := web.Operations(context.Background(), providers.ActStart)
	if !strings.Contains(strings.Join(ops, "\n"), "--net container:"+l.service+".container.pause ") {
		t.Errorf("create line: %v", ops)
	}
	// The pause container recreated: the micro-container drifted.
	l.stop(pause)
	l.start(pause)
	if dr := web.Drift(context.Background()); strings.Join(dr, ",") != "netns" {
		t.Errorf("drift after the pause container was recreated: %v, want [netns]", dr)
	}
}

// A changed image or command is drift; Start recreates the container.
func TestDriftRecreates(t *testing.T) {
	l := newLab(t, "docker", dockerSocket)
	d := l.driver(l.resource("app", map[string]cty.Value{"command": cmd("sleep", "300"), "stop_timeout": cty.StringVal("0s")}))
	l.start(d)
	id := d.Exposed(context.Background())["container_id"].AsString()
	changed := l.driver(l.resource("app", map[string]cty.Value{"command": cmd("sleep", "301"), "stop_timeout": cty.StringVal("0s")}))
	if dr := changed.Drift(context.Background()); strings.Join(dr, ",") != "command" {
		t.Fatalf("drift %v, want [command]", dr)
	}
	l.stop(changed) // rm = false: the container stays, stopped
	var out bytes.Buffer
	if err := changed.Start(context.Background(), providers.NewLog(&out)); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "rm -f") {
		t.Errorf("start log does not remove the drifted container:\n%s", out.String())
	}
	if id2 := changed.Exposed(context.Background())["container_id"].AsString(); id2 == id {
		t.Errorf("container not recreated: %s", id)
	}
	if dr := changed.Drift(context.Background()); len(dr) != 0 {
		t.Errorf("drift after recreate: %v", dr)
	}
}

// A container ignoring SIGTERM is killed after stop_timeout.
func TestStopTimeoutHonoured(t *testing.T) {
	l := newLab(t, "docker", dockerSocket)
	d := l.driver(l.resource("stubborn", map[string]cty.Value{
		"command": cmd("sh", "-c", "trap '' TERM; while true; do sleep 1; done"), "stop_timeout": cty.StringVal("2s"),
	}))
	l.start(d)
	took := l.stop(d)
	t.Logf("stop with stop_timeout 2s took %s", took)
	if took < 2*time.Second || took > 6*time.Second {
		t.Errorf("stop took %s, want about 2s", took)
	}
	wantState(t, d, providers.Down)
}

// An engine that does not answer: stop fails, status is undef with why.
func TestEngineDown(t *testing.T) {
	r := &providers.Resource{Service: "svc", Kind: "container", Type: "docker", Name: "0", Attrs: map[string]cty.Value{
		"image": cty.StringVal("busybox"), "socket": cty.StringVal(t.TempDir() + "/dead.sock"),
	}}
	d, err := newDriver(r, "docker")
	if err != nil {
		t.Fatal(err)
	}
	err = d.Stop(context.Background(), providers.NewLog(&bytes.Buffer{}))
	if err == nil || !strings.Contains(err.Error(), "container#0") || !strings.Contains(err.Error(), "dead.sock") {
		t.Errorf("stop error %v: want one naming the resource and the socket", err)
	}
	st := d.Status(context.Background())
	if st.State != providers.Undef || len(st.Messages) == 0 || !strings.Contains(st.Messages[0], "dead.sock") {
		t.Errorf("status %s %v: want undef with the reason", st.State, st.Messages)
	}
	if ex := d.(*driver).Exposed(context.Background()); ex["pid"].IsKnown() {
		t.Errorf("exposed pid known with the engine down: %v", ex)
	}
}

// An exited container is down, with its exit code and last log lines.
func TestExitedStatus(t *testing.T) {
	l := newLab(t, "docker", dockerSocket)
	d := l.driver(l.resource("oneshot", map[string]cty.Value{
		"command": cmd("sh", "-c", "echo hello-out; echo hello-err >&2; sleep 1; exit 3"),
	}))
	l.start(d)
	time.Sleep(1500 * time.Millisecond)
	st := wantState(t, d, providers.Down)
	all := strings.Join(st.Messages, "\n")
	for _, want := range []string{"exited with code 3", "| hello-out", "| hello-err"} {
		if !strings.Contains(all, want) {
			t.Errorf("status messages %q lack %q", all, want)
		}
	}
}

// Exec runs in the container; CopyIn writes into it, making the
// directories it lacks.
func TestExecAndCopy(t *testing.T) {
	for _, e := range []struct{ engine, socket string }{{"docker", dockerSocket}, {"podman", podmanSocket}} {
		t.Run(e.engine, func(t *testing.T) {
			l := newLab(t, e.engine, e.socket)
			d := l.driver(l.resource("x", map[string]cty.Value{"command": cmd("sleep", "300"), "stop_timeout": cty.StringVal("0s")}))
			var ex providers.Executor = d
			if _, _, _, err := ex.Exec(context.Background(), []string{"echo", "hi"}); err == nil {
				t.Errorf("exec in a container that does not run: no error")
			}
			l.start(d)
			src := filepath.Join(t.TempDir(), "agent.conf")
			if err := os.WriteFile(src, []byte("key=value\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			if err := ex.CopyIn(context.Background(), src, "/opt/omhcl/etc/agent.conf", 0o640); err != nil {
				t.Fatal(err)
			}
			out, errb, code, err := ex.Exec(context.Background(), []string{"sh", "-c", "cat /opt/omhcl/etc/agent.conf; stat -c %a /opt/omhcl/etc/agent.conf; echo oops >&2; exit 4"})
			if err != nil {
				t.Fatal(err)
			}
			if code != 4 || string(out) != "key=value\n640\n" || string(errb) != "oops\n" {
				t.Errorf("exec: code %d stdout %q stderr %q", code, out, errb)
			}
			if err := ex.CopyIn(context.Background(), src, "relative", 0o644); err == nil {
				t.Errorf("copy to a relative path: no error")
			}
			// a command that hangs does not hang its caller
			ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
			defer cancel()
			begin := time.Now()
			if _, _, _, err := ex.Exec(ctx, []string{"sleep", "30"}); err == nil || time.Since(begin) > 5*time.Second {
				t.Errorf("exec of a hanging command with a 0.5 s context: %v after %s", err, time.Since(begin))
			}
		})
	}
}
