package daemon

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"

	"github.com/omhcl/omhcl/plan"
	"github.com/omhcl/omhcl/providers"
	"github.com/omhcl/omhcl/state"
)

// dataChannelEnv makes the test binary the data channel into node n2 of
// the store named by its value, as rsync's remote shell: it is given the
// node, then the member's argv, asks authorizeData of a daemon of that
// store, and runs what it answers with its stdin and stdout, or exits 126
// with "refused: ..." as the channel's server does.
const dataChannelEnv = "DAEMON_TEST_DATA_CHANNEL"

func TestMain(m *testing.M) {
	if root := os.Getenv(dataChannelEnv); root != "" {
		os.Exit(serveDataChannel(root, os.Args[2:]))
	}
	os.Exit(m.Run())
}

func serveDataChannel(root string, argv []string) int {
	store := state.Open(root)
	c := newConfigStore(store)
	if err := c.load(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 127
	}
	d := &Daemon{opts: Options{Node: "n2", Log: io.Discard}, store: store, configs: c}
	run, err := d.authorizeData("n1", argv)
	if err != nil {
		fmt.Fprintf(os.Stderr, "refused: %v\n", err)
		return 126
	}
	cmd := exec.Command(run[0], run[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	var exit *exec.ExitError
	if err := cmd.Run(); errors.As(err, &exit) {
		return exit.ExitCode()
	} else if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 127
	}
	return 0
}

// channelLab is a service "data" of n1 and n2 with a sync.rsync from src
// on n1 to dst on n2, and a store holding it as n2's daemon does: the
// daemon of n2 in a test, and the remote shell that reaches it.
type channelLab struct {
	root, src, dst string
	d              *Daemon
	shell          []string // the data channel into n2, as rsync's remote shell
}

const syncedService = `service "data" {
  nodes = ["n1", "n2"]
  sync "0" {
    src     = [%[1]q]
    dst     = [%[2]q]
    target  = ["nodes"]
    devices = %[3]v
  }
  sync "site" {
    type   = "btrfs"
    src    = ["%[2]s-site"]
    target = ["nodes"]
    keep   = 4
  }
}
`

func newChannelLab(t *testing.T, devices bool) *channelLab {
	t.Helper()
	if _, err := exec.LookPath("rsync"); err != nil {
		t.Skip("needs rsync; scripts/setup.sh installs it")
	}
	dir := t.TempDir()
	l := &channelLab{root: filepath.Join(dir, "store"), src: filepath.Join(dir, "src"), dst: filepath.Join(dir, "dst")}
	for _, p := range []string{l.src, l.dst} {
		if err := os.MkdirAll(p, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	store := state.Open(l.root)
	l.d = &Daemon{opts: Options{Node: "n2", Log: testLog{t}}, store: store, configs: newConfigStore(store)}
	l.setDevices(t, devices)
	exe, _ := os.Executable()
	l.shell = []string{"env", dataChannelEnv + "=" + l.root, exe}
	return l
}

// setDevices stores the service with devices set so: on n2, and so on n1,
// which evaluates the same text.
func (l *channelLab) setDevices(t *testing.T, devices bool) {
	t.Helper()
	if _, _, err := l.d.configs.ingest("data", fmt.Sprintf(syncedService, l.src, l.dst, devices), "n1"); err != nil {
		t.Fatal(err)
	}
}

// sender is the sync resource's driver as n1 evaluates it.
func (l *channelLab) sender(t *testing.T) providers.Syncer {
	t.Helper()
	inst, diags := l.d.currentConfig().Service("data").Evaluate("n1", nil)
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	r := inst.Resource("sync#0")
	r.StateDir = t.TempDir()
	drv, err := plan.NewDriver(r)
	if err != nil {
		t.Fatal(err)
	}
	return drv.(providers.Syncer)
}

// sync runs n1's sync to n2 through the channel.
func (l *channelLab) sync(t *testing.T) error {
	t.Helper()
	var out strings.Builder
	err := l.sender(t).Sync(context.Background(), providers.NewLog(&out), providers.SyncRequest{
		Targets:     []providers.SyncTarget{{Node: "n2", Set: "nodes", Dst: []string{l.dst}}},
		RemoteShell: l.shell,
	})
	t.Logf("sync: %v\n%s", err, out.String())
	return err
}

// rsync runs an rsync of src to n2's dst through the channel with opts,
// as typed by hand or by a member, and returns its exit code and stderr.
func (l *channelLab) rsync(t *testing.T, opts ...string) (int, string) {
	t.Helper()
	argv := append(slices.Clone(opts), "-e", strings.Join(l.shell, " "), l.src+"/", "n2:"+l.dst+"/")
	cmd := exec.Command("rsync", argv...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	err := cmd.Run()
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return exit.ExitCode(), stderr.String()
	}
	if err != nil {
		t.Fatal(err)
	}
	return 0, stderr.String()
}

// The driver's options at the time of this test: what the sender's rsync
// runs with, io_timeout's default.
var resourceOptions = []string{"-rlptgoHS", "--delete", "--stats", "--timeout=120"}

// A real sync through the channel copies its files; the same rsync typed
// by hand with the resource's options too. Every other rsync a member may
// run is refused, whatever its options: those that read rsync's arguments
// from the stream (-s, --secluded-args, --protect-args), reach past the
// destination (-T, --log-file through -M, --partial-dir, --backup-dir),
// write through devices (-M--write-devices) or make them (-D), or merely
// differ from the resource's (--delete-after, --checksum, -a: the by-hand
// example of old); and
// nothing is written outside the destination.
func TestDataChannelRunsOnlyTheResourcesRsync(t *testing.T) {
	l := newChannelLab(t, false)
	os.WriteFile(filepath.Join(l.src, "f"), []byte("data"), 0o644)
	if err := l.sync(t); err != nil {
		t.Fatalf("the driver's sync: %v", err)
	}
	if b, err := os.ReadFile(filepath.Join(l.dst, "f")); err != nil || string(b) != "data" {
		t.Fatalf("after the sync: %q %v", b, err)
	}
	os.WriteFile(filepath.Join(l.src, "g"), []byte("by hand"), 0o644)
	if code, stderr := l.rsync(t, resourceOptions...); code != 0 {
		t.Fatalf("rsync by hand with the resource's options: exit %d\n%s", code, stderr)
	}
	if b, err := os.ReadFile(filepath.Join(l.dst, "g")); err != nil || string(b) != "by hand" {
		t.Fatalf("after the rsync by hand: %q %v", b, err)
	}

	outside := t.TempDir()
	os.WriteFile(filepath.Join(l.src, "h"), make([]byte, 1<<20), 0o644)
	os.WriteFile(filepath.Join(l.src, "f"), []byte("changed"), 0o644)
	for _, extra := range [][]string{
		{"-s"},
		{"--secluded-args"},
		{"--protect-args"},
		{"-T", outside},
		{"-M--log-file=" + filepath.Join(outside, "log")},
		{"-M--write-devices", "--inplace"},
		{"-D"},
		{"--partial-dir=" + outside},
		{"--backup", "--backup-dir=" + outside},
		{"--delete-after"},
		{"--checksum"},
	} {
		code, stderr := l.rsync(t, append(slices.Clone(resourceOptions), extra...)...)
		if code == 0 || !strings.Contains(stderr, "refused: ") {
			t.Errorf("rsync with %q: exit %d\n%s", extra, code, stderr)
		}
		t.Logf("rsync %s: exit %d\n%s", strings.Join(extra, " "), code, stderr)
	}
	code, stderr := l.rsync(t, "-a")
	if code == 0 || !strings.Contains(stderr, "data.sync#0 on n2 receives into "+l.dst+" with \"rsync --server -lHogtprSe.* --timeout=120 --delete --stats . "+l.dst+"/\" only") {
		t.Errorf("rsync -a by hand: exit %d, want a refusal naming the receiving end expected\n%s", code, stderr)
	}
	t.Logf("rsync -a: exit %d\n%s", code, stderr)
	if ents, _ := os.ReadDir(outside); len(ents) > 0 {
		t.Errorf("written outside the destination: %v", ents)
	}
	if b, _ := os.ReadFile(filepath.Join(l.dst, "f")); string(b) != "data" {
		t.Errorf("a refused rsync changed the copy: %q", b)
	}
}

// authorizeData runs what this node builds, never the member's words:
// for a member's rsync argv, the same rsync with only its capability
// letters taken; every other argv is refused, each with why.
func TestDataChannelBuildsTheReceivingEnd(t *testing.T) {
	l := newChannelLab(t, false)
	dst := l.dst + "/"
	good := []string{"rsync", "--server", "-lHogtprSe.iLsfxCIvu", "--timeout=120", "--delete", "--stats", ".", dst}
	run, err := l.d.authorizeData("n1", good)
	if err != nil || !slices.Equal(run, good) {
		t.Fatalf("the driver's own argv: %q %v", run, err)
	}
	// another rsync build's capability letters are the client's
	caps := slices.Clone(good)
	caps[2] = "-lHogtprSe.LsfxC"
	if run, err := l.d.authorizeData("n1", caps); err != nil || run[2] != caps[2] {
		t.Errorf("other capability letters: %q %v", run, err)
	}
	for _, c := range []struct {
		argv []string
		want string
	}{
		{[]string{"touch", filepath.Join(l.dst, "pwned")}, "only rsync --server and btrfs-receive run"},
		{[]string{"rsync", "--server", "-a", ".", "/etc/"}, "/etc is the destination of no sync"},
		{[]string{"rsync", "--server", "-slHogtprSe.iLsfxCIvu"}, "secluded arguments, -s, are refused"},
		{[]string{"rsync", "--server", "-slHogtprSe.iLsfxCIvu", "--timeout=120", "--delete", "--stats", ".", dst}, "receives into"},
		{[]string{"rsync", "--server", "-lHogtprSe.iLsfx;CIvu", "--timeout=120", "--delete", "--stats", ".", dst}, "receives into"},
		{[]string{"rsync", "--server", "-lHogtprSe.iLsfxCIvu", "-T", "/tmp/x", "--timeout=120", "--delete", "--stats", ".", dst}, "receives into"},
		{[]string{"rsync", "--server", "-lHogDtprSe.iLsfxCIvu", "--timeout=120", "--delete", "--stats", ".", dst}, "receives into"},
		{[]string{"rsync", "--server", "--sender", "-lHogtprSe.iLsfxCIvu", "--timeout=120", "--delete", "--stats", ".", dst}, "receives into"},
		{[]string{"rsync", "--server", "-lHogtprSe.iLsfxCIvu", "--timeout=120", "--delete", "--stats", ".", l.dst + "/../store/"}, "destination of no sync"},
		{[]string{"btrfs-receive", l.dst, "20261130T000000.000000000Z", ""}, "destination of no sync"},
		{[]string{"btrfs-receive", l.dst + "-site", "../../etc", ""}, "not sync.btrfs snapshot names"},
		{[]string{"btrfs-receive", l.dst + "-site", "20261130T000000.000000000Z", "", "--keep=0"}, "want btrfs-receive DST NAME PARENT"},
	} {
		run, err := l.d.authorizeData("n1", c.argv)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: runs %q, %v; want refused: %s", c.argv, run, err, c.want)
		}
	}
	// a btrfs-receive request is this node's om node btrfs-receive, with
	// its own keep
	exe, _ := os.Executable()
	name := "20261130T000000.000000000Z"
	run, err = l.d.authorizeData("n1", []string{"btrfs-receive", l.dst + "-site/", name, ""})
	if want := []string{exe, "--state-dir", l.root, "node", "btrfs-receive", "--keep", "4", l.dst + "-site", name, ""}; err != nil || !slices.Equal(run, want) {
		t.Errorf("a btrfs-receive request runs %q, %v; want %q", run, err, want)
	}
}

// A sync of a tree holding a device node and a fifo leaves them out,
// unless the resource sets devices = true, on both nodes.
func TestDataChannelMakesNoDeviceUnlessAsked(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root: makes a device node")
	}
	l := newChannelLab(t, false)
	os.WriteFile(filepath.Join(l.src, "f"), []byte("data"), 0o644)
	if err := syscall.Mknod(filepath.Join(l.src, "null0"), syscall.S_IFCHR|0o600, 1<<8|3); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(filepath.Join(l.src, "fifo"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := l.sync(t); err != nil {
		t.Fatalf("sync: %v", err)
	}
	if b, _ := os.ReadFile(filepath.Join(l.dst, "f")); string(b) != "data" {
		t.Fatalf("the file: %q", b)
	}
	for _, n := range []string{"null0", "fifo"} {
		if _, err := os.Lstat(filepath.Join(l.dst, n)); err == nil {
			t.Errorf("devices = false: %s made on the target", n)
		}
	}
	// a member's rsync that asks for them is refused, and makes none
	if code, stderr := l.rsync(t, "-rlptgoDHS", "--delete", "--stats", "--timeout=120"); code == 0 || !strings.Contains(stderr, "refused: ") {
		t.Errorf("rsync -D into devices = false: exit %d\n%s", code, stderr)
	}
	if _, err := os.Lstat(filepath.Join(l.dst, "null0")); err == nil {
		t.Error("rsync -D made the device node")
	}

	l.setDevices(t, true)
	if err := l.sync(t); err != nil {
		t.Fatalf("sync with devices = true: %v", err)
	}
	if fi, err := os.Lstat(filepath.Join(l.dst, "null0")); err != nil || fi.Mode()&os.ModeCharDevice == 0 {
		t.Errorf("devices = true: the device node %v %v", fi, err)
	}
	if fi, err := os.Lstat(filepath.Join(l.dst, "fifo")); err != nil || fi.Mode()&os.ModeNamedPipe == 0 {
		t.Errorf("devices = true: the fifo %v %v", fi, err)
	}
}
