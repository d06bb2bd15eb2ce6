package containerlxc_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/omhcl/omhcl/providers"
	"github.com/omhcl/omhcl/testfixtures/disklab"
	"github.com/zclconf/go-cty/cty"
)

// lxcDriver returns a driver for a container unique to t, in an lxcpath
// under t.TempDir(), killed and destroyed at cleanup.
func lxcDriver(t *testing.T, extra map[string]cty.Value) (providers.Driver, string, string) {
	t.Helper()
	disklab.RequireRoot(t)
	for _, tool := range []string{"lxc-create", "lxc-start", "lxc-attach", "busybox"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not installed (packages lxc, busybox-static)", tool)
		}
	}
	name, path := disklab.Unique("lxct"), t.TempDir()
	return namedDriver(t, name, path, extra), name, path
}

// namedDriver returns a driver for the container name in path, killed and
// destroyed at cleanup.
func namedDriver(t *testing.T, name, path string, extra map[string]cty.Value) providers.Driver {
	t.Helper()
	attrs := map[string]cty.Value{"name": cty.StringVal(name), "lxcpath": cty.StringVal(path)}
	for k, v := range extra {
		attrs[k] = v
	}
	spec, _ := providers.Lookup("container", "lxc")
	d, err := spec.New(resource(attrs))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = exec.Command("lxc-stop", "-n", name, "-P", path, "-k").Run()
		_ = exec.Command("lxc-destroy", "-n", name, "-P", path, "-f").Run()
	})
	return d
}

func mustState(t *testing.T, d providers.Driver, want providers.State) {
	t.Helper()
	if st := d.Status(t.Context()); st.State != want {
		t.Fatalf("status = %v, want %s", st, want)
	}
}

func TestLifecycle(t *testing.T) {
	d, name, path := lxcDriver(t, map[string]cty.Value{"hostname": cty.StringVal("web1"), "stop_timeout": cty.StringVal("10s")})
	ctx, log := t.Context(), disklab.Log(t)
	mustState(t, d, providers.Down)
	if err := d.Provision(ctx, log); err != nil {
		t.Fatal(err)
	}
	rootfs := d.Exposed(ctx)["rootfs"]
	if !rootfs.IsKnown() || rootfs.AsString() != filepath.Join(path, name, "rootfs") {
		t.Fatalf("rootfs = %#v", rootfs)
	}
	mustState(t, d, providers.Down)
	for range 2 {
		if err := d.Start(ctx, log); err != nil {
			t.Fatal(err)
		}
	}
	mustState(t, d, providers.Up)
	checkNetns(t, d)
	checkExecAndCopy(t, d)
	begin := time.Now()
	for range 2 {
		if err := d.Stop(ctx, log); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("clean stop took %v", time.Since(begin))
	if time.Since(begin) > 10*time.Second {
		t.Errorf("clean stop took %v, more than stop_timeout", time.Since(begin))
	}
	mustState(t, d, providers.Down)
	if err := d.Unprovision(ctx, log); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(rootfs.AsString()); !os.IsNotExist(err) {
		t.Errorf("rootfs after unprovision: %v", err)
	}
	mustState(t, d, providers.Down)
	if err := d.Unprovision(ctx, log); err != nil {
		t.Errorf("second unprovision: %v", err)
	}
}

func checkNetns(t *testing.T, d providers.Driver) {
	t.Helper()
	exp := d.Exposed(t.Context())
	if !exp["pid"].IsKnown() || !exp["netns_path"].IsKnown() {
		t.Fatalf("pid, netns_path unknown while up: %v", exp)
	}
	ns, err := os.Readlink(exp["netns_path"].AsString())
	host, _ := os.Readlink("/proc/self/ns/net")
	if err != nil || ns == host {
		t.Errorf("container netns %q (%v), host's %q: want its own", ns, err, host)
	}
}

func checkExecAndCopy(t *testing.T, d providers.Driver) {
	t.Helper()
	ex := d.(providers.Executor)
	out, errOut, code, err := ex.Exec(t.Context(), []string{"sh", "-c", "hostname; echo oops >&2; exit 3"})
	if err != nil || code != 3 || string(out) != "web1\n" || string(errOut) != "oops\n" {
		t.Errorf("exec = %q, %q, %d, %v; want web1, oops, 3, nil", out, errOut, code, err)
	}
	t.Setenv("OMHCL_STATE_DIR", "/node/only")
	out, _, _, err = ex.Exec(t.Context(), []string{"env"})
	if err != nil || strings.Contains(string(out), "OMHCL_STATE_DIR") || !strings.Contains(string(out), "PATH=") {
		t.Errorf("env inside = %q (%v): want a PATH and none of the caller's variables", out, err)
	}
	src := filepath.Join(t.TempDir(), "agent.sh")
	if err := os.WriteFile(src, []byte("#!/bin/sh\necho agent here\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := ex.CopyIn(t.Context(), src, "/opt/agent/agent.sh", 0o755); err != nil {
		t.Fatal(err)
	}
	out, _, code, err = ex.Exec(t.Context(), []string{"/opt/agent/agent.sh"})
	if err != nil || code != 0 || string(out) != "agent here\n" {
		t.Errorf("copied script ran: %q, %d, %v", out, code, err)
	}
	if err := ex.CopyIn(t.Context(), src, "relative/x", 0o644); err == nil || !strings.Contains(err.Error(), "container#web") {
		t.Errorf("copy to a relative path: %v", err)
	}
}

// TestStopKillsAfterTimeout: a container whose init ignores the halt
// signal is killed once stop_timeout has passed.
func TestStopKillsAfterTimeout(t *testing.T) {
	d, _, _ := lxcDriver(t, map[string]cty.Value{
		"stop_timeout": cty.StringVal("2s"),
		"config":       cty.MapVal(map[string]cty.Value{"lxc.signal.halt": cty.StringVal("SIGURG")}),
	})
	ctx, log := t.Context(), disklab.Log(t)
	if err := d.Provision(ctx, log); err != nil {
		t.Fatal(err)
	}
	if err := d.Start(ctx, log); err != nil {
		t.Fatal(err)
	}
	begin := time.Now()
	if err := d.Stop(ctx, log); err != nil {
		t.Fatal(err)
	}
	took := time.Since(begin)
	t.Logf("stop of a container ignoring the halt signal took %v", took)
	if took < 2*time.Second || took > 6*time.Second {
		t.Errorf("stop took %v, want stop_timeout (2s) then a kill", took)
	}
	mustState(t, d, providers.Down)
}

func TestMissingContainer(t *testing.T) {
	d, _, _ := lxcDriver(t, nil)
	st := d.Status(t.Context())
	if st.State != providers.Down || len(st.Messages) != 1 || !strings.Contains(st.Messages[0], "not provisioned") {
		t.Errorf("status = %v, want down, not provisioned", st)
	}
	if d.(providers.ExistChecker).Exists(t.Context()) {
		t.Error("Exists = true")
	}
	if err := d.Stop(t.Context(), disklab.Log(t)); err != nil {
		t.Errorf("stop: %v", err)
	}
	if err := d.Start(t.Context(), disklab.Log(t)); err == nil || !strings.Contains(err.Error(), "provision creates it") {
		t.Errorf("start: %v", err)
	}
	if _, _, _, err := d.(providers.Executor).Exec(t.Context(), []string{"true"}); err == nil {
		t.Error("exec in a missing container succeeded")
	}
}
