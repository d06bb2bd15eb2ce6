package app

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/omhcl/omhcl/providers"
	"github.com/zclconf/go-cty/cty"
)

// testResource returns an app resource of type typ. Its service name is
// unique: every process its commands start carries it in OMHCL_SERVICE, and
// the cleanup kills them all, even when the test fails half way.
func testResource(t *testing.T, typ string, attrs map[string]string) *providers.Resource {
	t.Helper()
	spec, ok := providers.Lookup("app", typ)
	if !ok {
		t.Fatalf("app.%s is not registered", typ)
	}
	r := &providers.Resource{
		Service:  fmt.Sprintf("apptest-%d-%d", os.Getpid(), rand.Uint32()),
		Node:     "n1",
		Kind:     "app",
		Type:     typ,
		Name:     "web",
		Attrs:    map[string]cty.Value{},
		StateDir: filepath.Join(t.TempDir(), "state"),
	}
	for _, a := range spec.Attrs {
		if a.Default != cty.NilVal {
			r.Attrs[a.Name] = a.Default
		}
	}
	for k, v := range attrs {
		r.Attrs[k] = cty.StringVal(v)
	}
	t.Cleanup(func() { killTagged(r.Service) })
	return r
}

// killTagged SIGKILLs every process whose environment holds
// OMHCL_SERVICE=svc.
func killTagged(svc string) {
	tag := []byte("OMHCL_SERVICE=" + svc + "\x00")
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		env, err := os.ReadFile(filepath.Join("/proc", e.Name(), "environ"))
		if err == nil && bytes.Contains(env, tag) {
			syscall.Kill(pid, syscall.SIGKILL)
		}
	}
}

func newTestDriver(t *testing.T, r *providers.Resource) providers.Driver {
	t.Helper()
	spec, _ := providers.Lookup("app", r.Type)
	d, err := spec.New(r)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return d
}

// writeScript writes an executable shell script into dir.
func writeScript(t *testing.T, dir, name, body string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte("#!/bin/sh\n"+body), 0o755); err != nil {
		t.Fatal(err)
	}
	return path
}

// aliveSh is a shell function telling whether the pid in file $1 runs:
// kill -0 would count zombies, which this machine's init never reaps.
const aliveSh = `alive() {
	[ -f "$1" ] || return 1
	pid=$(cat "$1")
	[ -r /proc/$pid/stat ] || return 1
	state=$(sed 's/.*) //' /proc/$pid/stat | cut -d' ' -f1)
	[ "$state" != Z ]
}
`

// seedLauncher writes a launcher like the seed's binserve_launcher: start
// backgrounds a daemon with nohup, status checks it, stop kills it.
func seedLauncher(t *testing.T, dir string) string {
	return writeScript(t, dir, "weblauncher", aliveSh+`PIDFILE=$(dirname "$0")/daemon.pid
case $1 in
start)
	alive "$PIDFILE" && { echo "already started"; exit 0; }
	echo "Starting sleeper..."
	nohup sleep 1000 >/dev/null 2>&1 &
	echo $! > "$PIDFILE"
	echo "sleeper started !"
	;;
stop)
	alive "$PIDFILE" && kill $(cat "$PIDFILE")
	rm -f "$PIDFILE"
	;;
status)
	alive "$PIDFILE"
	exit $?
	;;
info)
	echo "Name: sleeper"
	;;
*)
	echo "unsupported action: $1" >&2
	exit 1
	;;
esac
exit 0
`)
}

func logHas(log *providers.Log, sub string) bool {
	for _, l := range log.Lines() {
		if strings.Contains(l, sub) {
			return true
		}
	}
	return false
}

func requireRoot(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root: switching users")
	}
}

// eventually polls cond for up to d.
func eventually(d time.Duration, cond func() bool) bool {
	for deadline := time.Now().Add(d); ; time.Sleep(20 * time.Millisecond) {
		if cond() {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
	}
}

func me() string { return currentUser().name }

func mapVal(m map[string]string) cty.Value {
	vals := map[string]cty.Value{}
	for k, v := range m {
		vals[k] = cty.StringVal(v)
	}
	return cty.MapVal(vals)
}
