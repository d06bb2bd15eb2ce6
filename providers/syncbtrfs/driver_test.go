package syncbtrfs

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
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

// receiverEnv makes the test binary the receiving end of the sends, as
// `om node ssh NODE btrfs-receive ...` runs it on a target: the words
// after the node are the request.
const receiverEnv = "SYNCBTRFS_TEST_RECEIVER"

func TestMain(m *testing.M) {
	if os.Getenv(receiverEnv) == "1" {
		rc, err := ParseRequest(os.Args[2:])
		if err == nil {
			rc.Keep = 2
			err = rc.Run(context.Background(), os.Stdin, os.Stderr)
		}
		if err != nil {
			os.Stderr.WriteString(err.Error() + "\n")
			if errors.Is(err, ErrNoParent) {
				os.Exit(ExitNoParent)
			}
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// lab is two btrfs filesystems on loop files: the source node's and the
// target's, with a subvolume "vol" made on the source.
type lab struct {
	src, dst string // the subvolume paths
	r        *providers.Resource
	d        *driver
	log      *providers.Log
	out      *bytes.Buffer
}

func newLab(t *testing.T) *lab {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root: mounts loop-backed btrfs filesystems")
	}
	if _, err := exec.LookPath("mkfs.btrfs"); err != nil {
		t.Skip("needs btrfs-progs (mkfs.btrfs, btrfs); scripts/setup.sh installs them")
	}
	dir := t.TempDir()
	mnt := func(name string) string {
		img, m := filepath.Join(dir, name+".img"), filepath.Join(dir, name)
		run(t, "truncate", "-s", "128M", img)
		run(t, "mkfs.btrfs", "-q", img)
		run(t, "mkdir", m)
		run(t, "mount", "-o", "loop", img, m)
		t.Cleanup(func() { exec.Command("umount", m).Run() })
		return m
	}
	l := &lab{src: filepath.Join(mnt("a"), "vol"), dst: filepath.Join(mnt("b"), "vol"), out: &bytes.Buffer{}}
	l.r = &providers.Resource{Service: "svc", Node: "n1", Kind: "sync", Type: "btrfs", Name: "1", StateDir: t.TempDir(),
		Attrs: map[string]cty.Value{"src": cty.ListVal([]cty.Value{cty.StringVal(l.src)}), "target": cty.ListVal([]cty.Value{cty.StringVal("nodes")}), "keep": cty.NumberIntVal(2)}}
	drv, err := New(l.r)
	if err != nil {
		t.Fatal(err)
	}
	l.d, l.log = drv.(*driver), providers.NewLog(l.out)
	if err := l.d.Provision(context.Background(), l.log); err != nil {
		t.Fatal(err)
	}
	return l
}

func run(t *testing.T, argv ...string) string {
	t.Helper()
	out, err := exec.Command(argv[0], argv[1:]...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s: %v: %s", strings.Join(argv, " "), err, out)
	}
	return string(out)
}

// sync runs one sync to the target n2 and returns the bytes it sent.
func (l *lab) sync(t *testing.T) int64 {
	t.Helper()
	exe, _ := os.Executable()
	err := l.d.Sync(context.Background(), l.log, providers.SyncRequest{
		Targets:     []providers.SyncTarget{{Node: "n2", Set: "nodes", Dst: []string{l.dst}}},
		RemoteShell: []string{"env", receiverEnv + "=1", exe},
	})
	if err != nil {
		t.Fatalf("sync: %v\n%s", err, l.out)
	}
	rec, _ := syncrecord.Load(l.r.StateDir)
	return rec.Targets["n2"].Bytes
}

func write(t *testing.T, path string, size int, at int64) []byte {
	t.Helper()
	b := make([]byte, size)
	rand.Read(b)
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteAt(b, at); err != nil {
		t.Fatal(err)
	}
	return b
}

func sameFile(t *testing.T, a, b string) {
	t.Helper()
	x, err1 := os.ReadFile(a)
	y, err2 := os.ReadFile(b)
	if err1 != nil || err2 != nil || !bytes.Equal(x, y) {
		t.Fatalf("%s and %s differ (%v, %v; %d and %d bytes)", a, b, err1, err2, len(x), len(y))
	}
}

// The first sync sends the subvolume whole; the second sends only what
// changed; the target's copy is writable and equal to the source; both
// sides keep `keep` snapshots.
func TestIncrementalSendReplacesTheCopy(t *testing.T) {
	l := newLab(t)
	write(t, filepath.Join(l.src, "data"), 16<<20, 0)
	full := l.sync(t)
	if full < 16<<20 {
		t.Fatalf("first sync sent %d bytes, want the whole 16 MB", full)
	}
	sameFile(t, filepath.Join(l.src, "data"), filepath.Join(l.dst, "data"))
	if !isSubvolume(l.dst) || readOnly(l.dst) {
		t.Fatalf("%s: want a writable subvolume", l.dst)
	}
	if err := os.WriteFile(filepath.Join(l.dst, "scratch"), []byte("x"), 0o644); err != nil {
		t.Fatalf("the received copy is not writable: %v", err)
	}

	for range 3 {
		write(t, filepath.Join(l.src, "data"), 160<<10, 4<<20) // 1 % of the data
		inc := l.sync(t)
		if inc <= 0 || inc > 1<<20 {
			t.Fatalf("incremental sync of 160 kB changed sent %d bytes (full: %d)", inc, full)
		}
		sameFile(t, filepath.Join(l.src, "data"), filepath.Join(l.dst, "data"))
	}
	if _, err := os.Stat(filepath.Join(l.dst, "scratch")); err == nil {
		t.Error("a file written in the copy survived the next sync: the copy must be the source's")
	}
	for _, dir := range []string{snapDir(l.src), snapDir(l.dst)} {
		if n := len(snapshots(dir)); n != 2 {
			t.Errorf("%s holds %d snapshots, want keep = 2", dir, n)
		}
	}
	if _, err := os.Lstat(incoming(l.dst)); err == nil {
		t.Errorf("%s left behind", incoming(l.dst))
	}
}

// A stream cut short leaves the previous copy whole, and what it left
// half received is gone after the next sync, which succeeds.
func TestCutStreamKeepsThePreviousCopy(t *testing.T) {
	l := newLab(t)
	write(t, filepath.Join(l.src, "data"), 8<<20, 0)
	l.sync(t)
	before, _ := os.ReadFile(filepath.Join(l.dst, "data"))

	write(t, filepath.Join(l.src, "data"), 4<<20, 0)
	name, err := l.d.snapshot(context.Background(), l.log, l.src)
	if err != nil {
		t.Fatal(err)
	}
	stream, err := exec.Command("btrfs", "send", "-q", filepath.Join(snapDir(l.src), name)).Output()
	if err != nil {
		t.Fatal(err)
	}
	rc := Receive{Dst: l.dst, Name: name, Keep: 2}
	if err := rc.Run(context.Background(), bytes.NewReader(stream[:len(stream)/2]), &bytes.Buffer{}); err == nil {
		t.Fatal("half a stream received without error")
	}
	after, _ := os.ReadFile(filepath.Join(l.dst, "data"))
	if !bytes.Equal(before, after) {
		t.Fatal("the copy changed after a cut stream")
	}
	// a receiver killed mid-stream leaves a writable subvolume, one
	// killed after the swap the old copy aside: the next receive drops
	// both
	run(t, "btrfs", "subvolume", "create", filepath.Join(snapDir(l.dst), newSnapshotName()))
	run(t, "btrfs", "subvolume", "create", incoming(l.dst))
	l.sync(t)
	if _, err := os.Lstat(incoming(l.dst)); err == nil {
		t.Errorf("%s left behind", incoming(l.dst))
	}
	sameFile(t, filepath.Join(l.src, "data"), filepath.Join(l.dst, "data"))
	for _, s := range snapshots(snapDir(l.dst)) {
		if !readOnly(filepath.Join(snapDir(l.dst), s)) {
			t.Errorf("half-received snapshot %s left in %s", s, snapDir(l.dst))
		}
	}
}

// A target that lost its snapshots gets the next one whole; after a
// failover the target syncs back to the old source incrementally.
func TestLostParentAndReverseDirection(t *testing.T) {
	l := newLab(t)
	write(t, filepath.Join(l.src, "data"), 8<<20, 0)
	l.sync(t)
	for _, s := range snapshots(snapDir(l.dst)) {
		run(t, "btrfs", "subvolume", "delete", filepath.Join(snapDir(l.dst), s))
	}
	write(t, filepath.Join(l.src, "data"), 64<<10, 0)
	if sent := l.sync(t); sent < 8<<20 {
		t.Fatalf("sent %d bytes to a target without the parent: want the whole subvolume", sent)
	}
	if !strings.Contains(l.out.String(), "sending") || !strings.Contains(l.out.String(), "whole") {
		t.Errorf("the fallback to a whole send is not logged:\n%s", l.out)
	}
	sameFile(t, filepath.Join(l.src, "data"), filepath.Join(l.dst, "data"))

	// the service moves: n2's copy is the source now, n1 the target
	back := &lab{src: l.dst, dst: l.src, out: &bytes.Buffer{}}
	back.r = &providers.Resource{Service: "svc", Node: "n2", Kind: "sync", Type: "btrfs", Name: "1", StateDir: t.TempDir(),
		Attrs: map[string]cty.Value{"src": cty.ListVal([]cty.Value{cty.StringVal(back.src)}), "target": cty.ListVal([]cty.Value{cty.StringVal("nodes")})}}
	back.d, back.log = &driver{Armed: synccore.Armed{R: back.r}, r: back.r}, providers.NewLog(back.out)
	// n2 has never sent to n1: it proposes its newest snapshot as parent
	write(t, filepath.Join(back.src, "data"), 64<<10, 1<<20)
	if sent := back.sync(t); sent > 1<<20 {
		t.Errorf("syncing back 64 kB changed sent %d bytes: want an incremental send against the snapshot both sides hold", sent)
	}
	sameFile(t, filepath.Join(back.src, "data"), filepath.Join(back.dst, "data"))
}

// Every bad attribute is its own error, on the attribute: validate
// locates each one.
func TestEachBadAttributeIsNamed(t *testing.T) {
	r := &providers.Resource{Kind: "sync", Type: "btrfs", Name: "1", Attrs: map[string]cty.Value{
		"src": cty.ListVal([]cty.Value{cty.StringVal("relative")}), "dst": cty.ListVal([]cty.Value{cty.StringVal("also/relative")}),
		"keep": cty.NumberFloatVal(1.5), "target": cty.ListVal([]cty.Value{cty.StringVal("drp")}), "interval": cty.StringVal("soon")}}
	var attrs []string
	for _, e := range providers.CheckResource(context.Background(), r, providers.Check{}) {
		attrs = append(attrs, e.Attr)
	}
	slices.Sort(attrs)
	if want := []string{"dst", "interval", "keep", "src", "target"}; !slices.Equal(attrs, want) {
		t.Errorf("errors on %v, want one on each of %v", attrs, want)
	}
}

func TestBadAttributesAreRefused(t *testing.T) {
	for attr, v := range map[string]cty.Value{
		"src":  cty.ListVal([]cty.Value{cty.StringVal("relative")}),
		"keep": cty.NumberIntVal(0),
	} {
		r := &providers.Resource{Kind: "sync", Type: "btrfs", Name: "1", Attrs: map[string]cty.Value{"src": cty.ListVal([]cty.Value{cty.StringVal("/a")}), attr: v}}
		if _, err := New(r); err == nil {
			t.Errorf("%s = %#v accepted", attr, v)
		}
	}
}

// A receive request names snapshots in their format only: a name from
// another node never becomes a path.
func TestReceiveRequestsAreChecked(t *testing.T) {
	for _, argv := range [][]string{
		{"btrfs-receive", "/srv/vol", "../../etc", ""},
		{"btrfs-receive", "/srv/vol", "20261130T000000.000000000Z", "x/y"},
		{"btrfs-receive", "/srv/vol"},
		{"rsync", "/srv/vol", "20261130T000000.000000000Z", ""},
	} {
		if _, err := ParseRequest(argv); err == nil {
			t.Errorf("%q accepted", argv)
		}
	}
	if rc, err := ParseRequest(Receive{Dst: "/srv/vol/", Name: "20261130T000000.000000000Z"}.Args()); err != nil || rc.Dst != "/srv/vol" {
		t.Errorf("a good request: %+v %v", rc, err)
	}
}

// A destination that exists and is not a subvolume (a directory made by
// hand) is never replaced: the sync fails and says why, the directory
// stays as it was.
func TestPlainDirectoryIsNotReplaced(t *testing.T) {
	l := newLab(t)
	if err := os.MkdirAll(l.dst, 0o755); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(l.dst, "mine"), []byte("keep me"), 0o644)
	exe, _ := os.Executable()
	err := l.d.Sync(context.Background(), l.log, providers.SyncRequest{
		Targets:     []providers.SyncTarget{{Node: "n2", Set: "nodes", Dst: []string{l.dst}}},
		RemoteShell: []string{"env", receiverEnv + "=1", exe},
	})
	if err == nil || !strings.Contains(err.Error(), "is not a btrfs subvolume") {
		t.Fatalf("a sync into a plain directory: %v", err)
	}
	if b, _ := os.ReadFile(filepath.Join(l.dst, "mine")); string(b) != "keep me" {
		t.Fatalf("the directory's file: %q", b)
	}
}

// Unprovision deletes the subvolume and its snapshots; Provision makes
// an empty one again.
func TestUnprovisionDeletesTheSubvolume(t *testing.T) {
	l := newLab(t)
	write(t, filepath.Join(l.src, "data"), 1<<20, 0)
	l.sync(t)
	if !l.d.Exists(context.Background()) {
		t.Fatal("the source does not exist after a sync")
	}
	if err := l.d.Unprovision(context.Background(), l.log); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Lstat(l.src); err == nil || len(snapshots(snapDir(l.src))) > 0 || l.d.Exists(context.Background()) {
		t.Fatalf("after unprovision: %s still there (%v) or snapshots %v", l.src, err, snapshots(snapDir(l.src)))
	}
	if err := l.d.Provision(context.Background(), l.log); err != nil || !isSubvolume(l.src) {
		t.Fatalf("provision again: %v", err)
	}
}

// A destination that is a symbolic link to another subvolume is refused:
// the subvolume it leads to is neither replaced nor deleted.
func TestSymlinkDestinationIsRefused(t *testing.T) {
	l := newLab(t)
	other := filepath.Join(filepath.Dir(l.dst), "other")
	run(t, "btrfs", "subvolume", "create", other)
	os.WriteFile(filepath.Join(other, "precious"), []byte("keep me"), 0o644)
	if err := os.Symlink(other, l.dst); err != nil {
		t.Fatal(err)
	}
	exe, _ := os.Executable()
	err := l.d.Sync(context.Background(), l.log, providers.SyncRequest{
		Targets:     []providers.SyncTarget{{Node: "n2", Set: "nodes", Dst: []string{l.dst}}},
		RemoteShell: []string{"env", receiverEnv + "=1", exe},
	})
	if err == nil || !strings.Contains(err.Error(), "symbolic link") {
		t.Fatalf("a sync into a link: %v", err)
	}
	if b, _ := os.ReadFile(filepath.Join(other, "precious")); string(b) != "keep me" {
		t.Fatalf("the subvolume the link leads to: %q", b)
	}
}

// A receiver that stops reading (a target stuck on its disk) is
// abandoned after io_timeout, and the sync says so: it never holds the
// resource's lock for ever.
func TestStalledReceiverIsAbandoned(t *testing.T) {
	l := newLab(t)
	l.r.Attrs["io_timeout"] = cty.StringVal("1s")
	write(t, filepath.Join(l.src, "data"), 8<<20, 0)
	begin := time.Now()
	err := l.d.Sync(context.Background(), l.log, providers.SyncRequest{
		Targets:     []providers.SyncTarget{{Node: "n2", Set: "nodes", Dst: []string{l.dst}}},
		RemoteShell: []string{"sh", "-c", "sleep 60", "stuck"},
	})
	if err == nil || !strings.Contains(err.Error(), "no data moved for 1s") {
		t.Fatalf("a stalled receiver: %v", err)
	}
	if took := time.Since(begin); took > 20*time.Second {
		t.Errorf("abandoned after %s", took)
	}
}

// The receiving end a request maps to is this node's own: its om, its
// keep, its destination; of the request, only the snapshot names.
func TestReceiveCommandIsBuiltHere(t *testing.T) {
	r := &providers.Resource{Service: "web", Node: "n2", Kind: "sync", Type: "btrfs", Name: "site",
		Attrs: map[string]cty.Value{"src": cty.ListVal([]cty.Value{cty.StringVal("/srv/site")}), "keep": cty.NumberIntVal(5)}}
	drv, err := New(r)
	if err != nil {
		t.Fatal(err)
	}
	rcv := drv.(providers.SyncReceiver)
	name := "20261130T000000.000000000Z"
	argv := []string{"btrfs-receive", "/srv/site/", name, ""}
	dst, ok, err := rcv.ReceiveDst(argv)
	if !ok || err != nil || dst != "/srv/site" {
		t.Fatalf("ReceiveDst(%q) = %q %v %v", argv, dst, ok, err)
	}
	om := []string{"/usr/bin/om", "--state-dir", "/var/lib/omhcl"}
	got, err := rcv.ReceiveCommand(context.Background(), providers.SyncReceive{Argv: argv, Dst: "/srv/site", Om: om})
	want := "/usr/bin/om --state-dir /var/lib/omhcl node btrfs-receive --keep 5 /srv/site " + name + " "
	if err != nil || strings.Join(got, " ") != want {
		t.Errorf("ReceiveCommand = %q %v, want %q", got, err, want)
	}
	for _, bad := range [][]string{
		{"btrfs-receive", "/srv/site", "../../etc", ""},
		{"btrfs-receive", "/srv/other", name, ""},
		{"btrfs-receive", "/srv/site", name, "", "--keep=0"},
	} {
		if got, err := rcv.ReceiveCommand(context.Background(), providers.SyncReceive{Argv: bad, Dst: "/srv/site", Om: om}); err == nil {
			t.Errorf("%q: built %q", bad, got)
		}
	}
	if _, ok, _ := rcv.ReceiveDst([]string{"rsync", "--server", ".", "/srv/site/"}); ok {
		t.Error("sync.btrfs took an rsync request for its own")
	}
	if _, _, err := rcv.ReceiveDst([]string{"btrfs-receive", "/srv/site", "x", ""}); err == nil {
		t.Error("a bad snapshot name read without error")
	}
}
