package syncbtrfs

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// snapDir is where the snapshots of the subvolume at path live, on both
// sides: beside it, on the same filesystem (a snapshot cannot cross one).
func snapDir(path string) string {
	path = filepath.Clean(path)
	return filepath.Join(filepath.Dir(path), "."+filepath.Base(path)+".snapshots")
}

// incoming is where a received snapshot is made writable before it is
// swapped with the destination; the old copy lands there after the swap.
func incoming(path string) string {
	path = filepath.Clean(path)
	return filepath.Join(filepath.Dir(path), "."+filepath.Base(path)+".incoming")
}

// snapshotLayout names snapshots by their UTC creation time: fixed width,
// so names sort as times do.
const snapshotLayout = "20060102T150405.000000000Z"

var snapshotName = regexp.MustCompile(`^[0-9]{8}T[0-9]{6}\.[0-9]{9}Z$`)

func newSnapshotName() string { return time.Now().UTC().Format(snapshotLayout) }

// snapshots are the snapshot names in dir, oldest first.
func snapshots(dir string) []string {
	ents, _ := os.ReadDir(dir)
	var out []string
	for _, e := range ents {
		if e.IsDir() && snapshotName.MatchString(e.Name()) {
			out = append(out, e.Name())
		}
	}
	sort.Strings(out)
	return out
}

// isSubvolume reports whether path is the root of a btrfs subvolume: on
// btrfs, a subvolume's root directory is inode 256.
func isSubvolume(path string) bool {
	var fs unix.Statfs_t
	var st unix.Stat_t
	if unix.Statfs(path, &fs) != nil || fs.Type != unix.BTRFS_SUPER_MAGIC || unix.Stat(path, &st) != nil {
		return false
	}
	return st.Ino == 256
}

// onBtrfs reports whether dir is on a btrfs filesystem.
func onBtrfs(dir string) bool {
	var fs unix.Statfs_t
	return unix.Statfs(dir, &fs) == nil && fs.Type == unix.BTRFS_SUPER_MAGIC
}

// readOnly reports whether the subvolume at path is read-only: what a
// finished receive (or a snapshot of ours) is, and an interrupted
// receive is not.
func readOnly(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	var flags uint64
	const (
		getFlags     = 0x80089419 // BTRFS_IOC_SUBVOL_GETFLAGS: _IOR(0x94, 25, u64)
		subvolRdonly = 1 << 1     // BTRFS_SUBVOL_RDONLY
	)
	_, _, errno := unix.Syscall(unix.SYS_IOCTL, f.Fd(), getFlags, uintptr(unsafe.Pointer(&flags)))
	return errno == 0 && flags&subvolRdonly != 0
}

// btrfs runs the btrfs command, its error carrying what it printed.
func btrfs(ctx context.Context, args ...string) error {
	var out bytes.Buffer
	cmd := exec.CommandContext(ctx, "btrfs", args...)
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("btrfs %s: %v: %s", strings.Join(args, " "), err, strings.TrimSpace(out.String()))
	}
	return nil
}

// deleteSubvolume deletes the subvolume at path when there is one; a
// symbolic link there is removed, never followed.
func deleteSubvolume(ctx context.Context, path string) error {
	fi, err := os.Lstat(path)
	switch {
	case err != nil:
		return nil
	case fi.Mode()&os.ModeSymlink != 0:
		return os.Remove(path)
	}
	return btrfs(ctx, "subvolume", "delete", path)
}

// exchange swaps two paths in one step (renameat2 RENAME_EXCHANGE).
func exchange(a, b string) error {
	if err := unix.Renameat2(unix.AT_FDCWD, a, unix.AT_FDCWD, b, unix.RENAME_EXCHANGE); err != nil {
		return fmt.Errorf("swap %s and %s: %w", a, b, err)
	}
	return nil
}
