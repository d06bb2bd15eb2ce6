package syncbtrfs

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// ExitNoParent is the receiving end's exit code when it lacks the parent
// snapshot of an incremental stream: the sender then sends it whole.
const ExitNoParent = 3

// ErrNoParent: the parent snapshot of an incremental stream is not here.
var ErrNoParent = errors.New("the parent snapshot is not here")

// Receive is the receiving end of a sync.btrfs send, run on a target
// (`om node btrfs-receive`, which the daemon's data channel runs once it
// has checked Dst is the destination of such a sync here).
type Receive struct {
	Dst    string // the subvolume the copy replaces
	Name   string // the snapshot sent
	Parent string // the snapshot it is incremental against, "" when whole
	Keep   int    // snapshots kept in Dst's snapshot directory (0: the default)
}

// Run receives the stream on in as snapshot Name beside Dst, then swaps a
// writable snapshot of it with Dst in one rename and rotates the
// snapshots. A stream cut short (the sender or this end killed) leaves
// Dst as it was, and what it left half received is deleted by the next
// Run.
func (rc Receive) Run(ctx context.Context, in io.Reader, stderr io.Writer) error {
	if err := rc.check(); err != nil {
		return err
	}
	dir := snapDir(rc.Dst)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	if rc.Parent != "" && !readOnly(filepath.Join(dir, rc.Parent)) {
		return fmt.Errorf("%s: %w (%s)", rc.Dst, ErrNoParent, rc.Parent)
	}
	if err := dropPartial(ctx, dir, rc.Name); err != nil {
		return err
	}
	if err := rc.receive(ctx, dir, in, stderr); err != nil {
		deleteSubvolume(context.WithoutCancel(ctx), filepath.Join(dir, rc.Name))
		return err
	}
	if err := rc.promote(ctx); err != nil {
		return err
	}
	return rc.rotate(ctx, dir)
}

// receive runs btrfs receive into dir, confined to it: chrooted there
// (-C), so that no path of the stream, nor a symbolic link it makes,
// reaches past it, and fed through guardStream, so that a stream naming
// a path outside the snapshot it builds fails before btrfs receive sees
// that command. Run then deletes what it received, and Dst stays.
func (rc Receive) receive(ctx context.Context, dir string, in io.Reader, stderr io.Writer) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	cmd := exec.CommandContext(ctx, "btrfs", "receive", "-C", "-e", dir)
	cmd.Stdout, cmd.Stderr = stderr, stderr
	// dies with this process: an orphan would finish a snapshot the
	// sender never hears of
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return err
	}
	guarded := make(chan error, 1)
	go func() {
		err := guardStream(stdin, in, rc.Name, rc.Parent != "")
		if err != nil {
			// killed before it reads the end of its input: what it
			// received never becomes a snapshot
			cmd.Process.Kill()
		}
		stdin.Close()
		guarded <- err
	}()
	err = cmd.Wait()
	var gErr error
	select {
	case gErr = <-guarded:
	case <-time.After(time.Second): // btrfs receive ended first: the guard may block on in
	}
	switch {
	case gErr != nil && !errors.Is(gErr, os.ErrClosed) && !errors.Is(gErr, syscall.EPIPE):
		return fmt.Errorf("btrfs receive %s into %s: %w", rc.Name, dir, gErr)
	case err != nil:
		return fmt.Errorf("btrfs receive %s into %s: %w", rc.Name, dir, err)
	}
	return nil
}

// check refuses names that are not snapshot names (they come from
// another node) and a destination not on btrfs or not a subvolume.
func (rc Receive) check() error {
	if err := rc.checkNames(); err != nil {
		return err
	}
	if !filepath.IsAbs(rc.Dst) || filepath.Clean(rc.Dst) == "/" {
		return fmt.Errorf("destination %q: want an absolute path below /", rc.Dst)
	}
	if parent := filepath.Dir(filepath.Clean(rc.Dst)); !onBtrfs(parent) {
		return fmt.Errorf("%s is not on a btrfs filesystem: the destination %s must be (is its filesystem mounted?)", parent, rc.Dst)
	}
	for _, p := range []string{rc.Dst, incoming(rc.Dst), snapDir(rc.Dst)} {
		if fi, err := os.Lstat(p); err == nil && fi.Mode()&os.ModeSymlink != 0 {
			return fmt.Errorf("%s is a symbolic link: a received copy never replaces, nor deletes, what a link leads to (remove the link)", p)
		}
	}
	if _, err := os.Lstat(rc.Dst); err == nil && !isSubvolume(rc.Dst) {
		return fmt.Errorf("%s exists and is not a btrfs subvolume: a received copy cannot replace it (move it away)", rc.Dst)
	}
	return nil
}

// dropPartial deletes what an interrupted receive left in dir: a
// writable subvolume (a finished receive is read-only), and name itself,
// sent again.
func dropPartial(ctx context.Context, dir, name string) error {
	for _, s := range snapshots(dir) {
		if s == name || !readOnly(filepath.Join(dir, s)) {
			if err := btrfs(ctx, "subvolume", "delete", filepath.Join(dir, s)); err != nil {
				return err
			}
		}
	}
	return nil
}

// promote makes Dst a writable snapshot of the received one: made aside,
// then swapped with the old copy in one rename, then the old copy deleted.
func (rc Receive) promote(ctx context.Context) error {
	next := incoming(rc.Dst)
	if err := deleteSubvolume(ctx, next); err != nil {
		return fmt.Errorf("a previous receive's leftover: %w", err)
	}
	if err := btrfs(ctx, "subvolume", "snapshot", filepath.Join(snapDir(rc.Dst), rc.Name), next); err != nil {
		return err
	}
	if _, err := os.Lstat(rc.Dst); errors.Is(err, os.ErrNotExist) {
		return os.Rename(next, rc.Dst)
	}
	if err := exchange(next, rc.Dst); err != nil {
		return err
	}
	return deleteSubvolume(ctx, next)
}

// rotate keeps the newest Keep snapshots, the one received among them.
func (rc Receive) rotate(ctx context.Context, dir string) error {
	keep := rc.Keep
	if keep < 1 {
		keep = defaultKeep
	}
	names := snapshots(dir)
	var errs []error
	for j, name := range names {
		if j >= len(names)-keep || name == rc.Name {
			continue
		}
		if err := btrfs(ctx, "subvolume", "delete", filepath.Join(dir, name)); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// Args are the words of a receive request through the data channel,
// after the node: "btrfs-receive DST NAME PARENT".
func (rc Receive) Args() []string { return []string{"btrfs-receive", rc.Dst, rc.Name, rc.Parent} }

// ParseRequest reads a receive request's words (Args); Keep is the
// receiving node's to set.
func ParseRequest(argv []string) (Receive, error) {
	if len(argv) != 4 || argv[0] != "btrfs-receive" {
		return Receive{}, fmt.Errorf("want btrfs-receive DST NAME PARENT, not %s", strings.Join(argv, " "))
	}
	rc := Receive{Dst: filepath.Clean(argv[1]), Name: argv[2], Parent: argv[3]}
	return rc, rc.checkNames()
}

func (rc Receive) checkNames() error {
	if !snapshotName.MatchString(rc.Name) || (rc.Parent != "" && !snapshotName.MatchString(rc.Parent)) {
		return fmt.Errorf("snapshot names %q, %q: not sync.btrfs snapshot names", rc.Name, rc.Parent)
	}
	return nil
}
