// Package disklab builds real, throw-away storage for tests: backing files,
// loop devices, ext4 filesystems and LVM volume groups on loop PVs. Every
// helper registers a cleanup that removes what it made, even when the test
// fails, and skips the test with the reason when this machine cannot make it.
package disklab

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/omhcl/omhcl/providers/diskloop"
)

// cmdTimeout bounds each helper command so a hung tool fails the test
// instead of the whole package run.
const cmdTimeout = time.Minute

// RequireRoot skips t unless it runs as root.
func RequireRoot(t testing.TB) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root: loop devices, mounts and LVM are privileged")
	}
}

// Unique returns prefix followed by a suffix unique to this process and
// call, short enough for VG names and mount points.
func Unique(prefix string) string {
	return fmt.Sprintf("%s%d%04x", prefix, os.Getpid(), rand.IntN(0x10000))
}

// LoopFile creates a sparse backing file of size ("64m") in a temporary
// directory. At cleanup it detaches any loop device still attached to it, so
// a test whose driver attached one leaks nothing.
func LoopFile(t testing.TB, size string) string {
	t.Helper()
	n, err := diskloop.ParseSize(size)
	if err != nil {
		t.Fatalf("disklab: %v", err)
	}
	file := filepath.Join(t.TempDir(), Unique("disk")+".img")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatalf("disklab: create %s: %v", file, err)
	}
	if err := os.Truncate(file, n); err != nil {
		t.Fatalf("disklab: size %s: %v", file, err)
	}
	DetachAtCleanup(t, file)
	return file
}

// DetachAtCleanup registers the detach of every loop device backed by file,
// for tests whose driver attaches it.
func DetachAtCleanup(t testing.TB, file string) {
	t.Cleanup(func() { detachAll(t, file) })
}

// Loop attaches a fresh backing file of size to a loop device and returns
// the device; it is detached at cleanup.
func Loop(t testing.TB, size string) string {
	t.Helper()
	RequireRoot(t)
	requireLoop(t)
	file := LoopFile(t, size)
	return strings.TrimSpace(Run(t, "losetup", "-f", "--show", file))
}

// Ext4 returns a loop device of size holding a fresh ext4 filesystem.
func Ext4(t testing.TB, size string) string {
	t.Helper()
	dev := Loop(t, size)
	Run(t, "mkfs.ext4", "-F", "-q", dev)
	return dev
}

// Run executes argv and returns its combined output; a failure fails t
// with the output.
func Run(t testing.TB, argv ...string) string {
	t.Helper()
	out, err := output(argv...)
	if err != nil {
		t.Fatalf("disklab: %s: %v\n%s", strings.Join(argv, " "), err, out)
	}
	return out
}

func output(argv ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), cmdTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	// Quiet LVM's warnings about descriptors inherited from go test.
	cmd.Env = append(os.Environ(), "LVM_SUPPRESS_FD_WARNINGS=1")
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func requireLoop(t testing.TB) {
	t.Helper()
	if _, err := os.Stat("/dev/loop-control"); err != nil {
		t.Skipf("no loop device support on this machine: %v", err)
	}
	if _, err := exec.LookPath("losetup"); err != nil {
		t.Skip("losetup (util-linux) is not installed")
	}
}

// detachAll detaches every loop device backed by file.
func detachAll(t testing.TB, file string) {
	out, err := output("losetup", "-j", file)
	if err != nil {
		return // no losetup, or nothing attached
	}
	for _, line := range strings.Split(out, "\n") {
		dev, _, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		if out, err := output("losetup", "-d", dev); err != nil {
			t.Errorf("disklab cleanup: losetup -d %s: %v\n%s", dev, err, out)
		}
	}
}
