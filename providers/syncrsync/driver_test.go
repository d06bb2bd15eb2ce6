package syncrsync

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/omhcl/omhcl/providers"
	"github.com/omhcl/omhcl/providers/internal/synccore"
	"github.com/omhcl/omhcl/providers/syncrecord"
	"github.com/zclconf/go-cty/cty"
)

func list(words ...string) cty.Value {
	vs := make([]cty.Value, len(words))
	for i, w := range words {
		vs[i] = cty.StringVal(w)
	}
	return cty.ListVal(vs)
}

func resource(t *testing.T, attrs map[string]cty.Value) *providers.Resource {
	a := map[string]cty.Value{"src": list("/srv/data"), "target": list("nodes"), "max_delay": cty.StringVal("1h")}
	for k, v := range attrs {
		a[k] = v
	}
	return &providers.Resource{Service: "svc", Node: "n1", Kind: "sync", Type: "rsync", Name: "0", Attrs: a, StateDir: t.TempDir()}
}

func TestBadAttributesAreRefused(t *testing.T) {
	for attr, v := range map[string]cty.Value{
		"src":       list("relative/path"),
		"dst":       list("/a", "/b"),
		"target":    list("everyone"),
		"interval":  cty.StringVal("often"),
		"max_delay": cty.StringVal("-1h"),
	} {
		if _, err := New(resource(t, map[string]cty.Value{attr: v})); err == nil {
			t.Errorf("%s = %#v: accepted", attr, v)
		}
	}
}

// Status: nothing recorded is n/a; a target synced within max_delay is
// up; one beyond, or one that never got a good sync, warns.
func TestStatusFollowsMaxDelay(t *testing.T) {
	r := resource(t, nil)
	d := &driver{Armed: synccore.Armed{R: r}, r: r}
	if st := d.Status(context.Background()); st.State != providers.NA {
		t.Errorf("never synced: %s %v", st.State, st.Messages)
	}
	now := time.Now().UTC()
	save(t, r, map[string]*syncrecord.Target{"n2": {Last: now.Add(-10 * time.Minute), Bytes: 2 << 20}})
	if st := d.Status(context.Background()); st.State != providers.Up || !strings.Contains(st.Messages[0], "n2: last sync 10m0s ago, 2.0 MB sent") {
		t.Errorf("synced 10 min ago: %s %v", st.State, st.Messages)
	}
	save(t, r, map[string]*syncrecord.Target{"n2": {Last: now.Add(-2 * time.Hour)}, "n3": {Last: now}})
	if st := d.Status(context.Background()); st.State != providers.Warn || !strings.Contains(strings.Join(st.Messages, "\n"), "warn: n2: last sync 2h0m0s ago") {
		t.Errorf("synced 2 h ago with max_delay 1h: %s %v", st.State, st.Messages)
	}
	if last := d.LastSync(); !last.Equal(now.Add(-2 * time.Hour)) {
		t.Errorf("LastSync %s: want the oldest target's", last)
	}
}

func TestStatsSent(t *testing.T) {
	out := "Number of files: 3\nTotal bytes sent: 1,048,999\nTotal bytes received: 35\n"
	if n := statsSent(out); n != 1048999 {
		t.Errorf("statsSent = %d", n)
	}
	if n := statsSent("no stats"); n != 0 {
		t.Errorf("statsSent of no stats = %d", n)
	}
}

// save records targets as a sync of r would have.
func save(t *testing.T, r *providers.Resource, targets map[string]*syncrecord.Target) {
	t.Helper()
	rec, err := syncrecord.Load(r.StateDir)
	if err != nil {
		t.Fatal(err)
	}
	rec.Targets = targets
	if err := rec.Save(); err != nil {
		t.Fatal(err)
	}
}

// The daemon's schedule asks again, once it holds the lock, whether its
// sync is due: a sync by hand that reached every target meanwhile makes
// it skip, without copying anything.
func TestScheduledSyncSkipsWhatRanMeanwhile(t *testing.T) {
	r := resource(t, nil)
	d := &driver{Armed: synccore.Armed{R: r}, r: r}
	save(t, d.r, map[string]*syncrecord.Target{"n2": {Last: time.Now().UTC()}})
	req := providers.SyncRequest{
		Targets:     []providers.SyncTarget{{Node: "n2", Set: "nodes"}},
		RemoteShell: []string{"/nonexistent/shell"}, // any copy would fail
		Due:         func(last time.Time) bool { return time.Since(last) >= time.Hour },
	}
	var out strings.Builder
	if err := d.Sync(context.Background(), providers.NewLog(&out), req); !errors.Is(err, providers.ErrSyncNotDue) {
		t.Errorf("a scheduled sync after a fresh one: %v\n%s", err, out.String())
	}
	req.Due = func(last time.Time) bool { return true }
	if err := d.Sync(context.Background(), providers.NewLog(&out), req); err == nil || errors.Is(err, providers.ErrSyncNotDue) {
		t.Errorf("a due sync did not try: %v", err)
	}
}

// A target known down is not tried: its attempt is recorded as failed,
// so the schedule tries it again an interval later.
func TestDownTargetsAreRecordedNotTried(t *testing.T) {
	r := resource(t, nil)
	d := &driver{Armed: synccore.Armed{R: r}, r: r}
	req := providers.SyncRequest{Down: []string{"n3"}, RemoteShell: []string{"/nonexistent/shell"}}
	if err := d.Sync(context.Background(), providers.NewLog(&strings.Builder{}), req); err != nil {
		t.Fatalf("a sync with its only target down: %v", err)
	}
	rec, _ := syncrecord.Load(r.StateDir)
	if tr := rec.Targets["n3"]; tr == nil || !strings.Contains(tr.Error, "n3 is down: not tried") || time.Since(rec.Last()) > time.Minute {
		t.Errorf("record of the down target: %+v", tr)
	}
}

// The options that defeat how a target builds its receiving end, or make
// device files without devices = true, are refused where the
// configuration is checked, each on the options attribute.
func TestOptionsThatDefeatTheReceivingEndAreRefused(t *testing.T) {
	for _, opts := range [][]string{
		{"-s"}, {"--secluded-args"}, {"--protect-args"}, {"-vs"},
		{"-e", "ssh"}, {"--rsh=ssh"}, {"--rsync-path=/tmp/x"},
		{"--server"}, {"--sender"}, {"--write-batch=/tmp/b"},
		{"-a"}, {"-aX"}, {"--archive"}, {"-D"}, {"--devices"}, {"--specials"}, {"--write-devices"},
		{"-M-D"}, {"-M", "-s"}, {"--remote-option=--devices"},
	} {
		r := resource(t, map[string]cty.Value{"options": list(opts...)})
		_, err := New(r)
		if err == nil {
			t.Errorf("options = %q accepted", opts)
			continue
		}
		errs := providers.CheckResource(context.Background(), r, providers.Check{})
		if len(errs) == 0 || errs[0].Attr != "options" {
			t.Errorf("options = %q: %v, not on options", opts, errs)
		}
	}
	for _, opts := range [][]string{
		{"--exclude", "-D"}, {"--exclude=-s"}, {"-z"}, {"--compress-level=3"}, {"-X", "-A"}, {"-M--fake-super"}, {"--checksum"},
	} {
		if _, err := New(resource(t, map[string]cty.Value{"options": list(opts...)})); err != nil {
			t.Errorf("options = %q refused: %v", opts, err)
		}
	}
	for _, opts := range [][]string{{"-a"}, {"-D"}, {"--specials"}, {"-M-D"}} {
		if _, err := New(resource(t, map[string]cty.Value{"options": list(opts...), "devices": cty.True})); err != nil {
			t.Errorf("options = %q with devices = true refused: %v", opts, err)
		}
	}
}

// The receiving end is what the rsync here makes of the resource's
// options, asked of rsync itself; a member's request is run as built,
// with only its capability letters.
func TestReceiveCommandIsWhatRsyncAsks(t *testing.T) {
	if _, err := exec.LookPath("rsync"); err != nil {
		t.Skip("needs rsync; scripts/setup.sh installs it")
	}
	ctx := context.Background()
	for _, c := range []struct {
		attrs map[string]cty.Value
		want  string
	}{
		{nil, "rsync --server -lHogtprSe.* --timeout=120 --delete --stats . /srv/data/"},
		{map[string]cty.Value{"devices": cty.True}, "rsync --server -lHogDtprSe.* --timeout=120 --delete --stats . /srv/data/"},
		{map[string]cty.Value{"bwlimit": cty.StringVal("10m"), "io_timeout": cty.StringVal("30s"), "exclude": list("*.tmp")},
			"rsync --server -lHogtprSe.* --timeout=30 --bwlimit=10240 --delete --stats . /srv/data/"},
		{map[string]cty.Value{"options": list("-X", "--checksum")}, "rsync --server -lHogtpXrcSe.* --timeout=120 --delete --stats . /srv/data/"},
	} {
		d := newDriver(t, c.attrs)
		got, err := d.serverArgv(ctx, "/srv/data")
		if err != nil || shown(got) != c.want {
			t.Errorf("%v: %q %v, want %q", c.attrs, shown(got), err, c.want)
			continue
		}
		// the sender's rsync, run by the driver, asks exactly this
		peer := captured(t, d.clientArgv(captureShell(t), "/srv/src", "n2", "/srv/data"))
		run, err := d.ReceiveCommand(ctx, providers.SyncReceive{Argv: peer, Dst: "/srv/data"})
		if err != nil || !slices.Equal(run, peer) {
			t.Errorf("%v: the sender's own request %q: %q %v", c.attrs, peer, run, err)
		}
	}
	// an operator's remote option that makes device files, with devices
	// off: never run, whatever the member sends
	d := newDriver(t, nil)
	d.r.Attrs["options"] = list("-M-D") // past New's check, as a node's copy could be
	if _, err := d.serverArgv(ctx, "/srv/data"); err == nil || !strings.Contains(err.Error(), "set devices = true") {
		t.Errorf("-M-D with devices off: %v", err)
	}
	d.r.Attrs["options"] = list("-s")
	if _, err := d.serverArgv(ctx, "/srv/data"); err == nil {
		t.Error("-s in the resource's options built a receiving end")
	}
	// capability letters are letters
	good := strings.Fields("rsync --server -lHogtprSe.iLsfxCIvu --timeout=120 --delete --stats . /srv/data/")
	for _, caps := range []string{"-lHogtprSe.iL;sfxCIvu", "-lHogtprSe.iL sfx", "-lHogtprSe.31.14iLsfx", "-lHogtprSDe.iLsfx", "-lHogtprS"} {
		bad := slices.Clone(good)
		bad[2] = caps
		if run, ok := receiveAs(good, bad); ok {
			t.Errorf("capabilities %q taken: %q", caps, run)
		}
	}
}

func newDriver(t *testing.T, attrs map[string]cty.Value) *driver {
	t.Helper()
	drv, err := New(resource(t, attrs))
	if err != nil {
		t.Fatal(err)
	}
	return drv.(*driver)
}

// captureShell is a remote shell that writes the command it is given to
// a file, for captured.
func captureShell(t *testing.T) string {
	out := filepath.Join(t.TempDir(), "argv")
	return fmt.Sprintf(`sh -c 'printf "%%s\0" "$@" >%s' peer`, out)
}

// captured runs rsync's client argv and returns the command it gave its
// remote shell (captureShell), the node left out.
func captured(t *testing.T, argv []string) []string {
	t.Helper()
	shell := argv[slices.Index(argv, "-e")+1]
	out := shell[strings.LastIndex(shell, ">")+1 : strings.LastIndex(shell, "'")]
	exec.Command(argv[0], argv[1:]...).Run()
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatalf("%q ran no remote shell", argv)
	}
	return strings.Split(strings.TrimSuffix(string(b), "\x00"), "\x00")[1:]
}
