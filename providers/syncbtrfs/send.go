package syncbtrfs

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
	"time"

	"github.com/omhcl/omhcl/providers"
	"github.com/omhcl/omhcl/providers/internal/synccore"
	"github.com/omhcl/omhcl/providers/syncrecord"
)

// Sync snapshots every source subvolume read-only, then sends each
// snapshot to every target, incrementally against the last snapshot that
// target received, and rotates the snapshots (synccore.Run).
func (d *driver) Sync(ctx context.Context, log *providers.Log, req providers.SyncRequest) error {
	return synccore.Run(ctx, log, d.r, req, d)
}

// Prepare takes this sync's snapshots.
func (d *driver) Prepare(ctx context.Context, log *providers.Log) error {
	srcs := d.r.Strings("src")
	d.names = make([]string, len(srcs))
	for i, src := range srcs {
		var err error
		if d.names[i], err = d.snapshot(ctx, log, src); err != nil {
			return err
		}
	}
	return nil
}

// Finish rotates the snapshots of every source.
func (d *driver) Finish(ctx context.Context, log *providers.Log, rec *syncrecord.Record) error {
	var errs []error
	for i, src := range d.r.Strings("src") {
		errs = append(errs, d.rotate(ctx, log, src, i, rec))
	}
	return errors.Join(errs...)
}

// snapshot takes a read-only snapshot of src for this sync.
func (d *driver) snapshot(ctx context.Context, log *providers.Log, src string) (string, error) {
	if !isSubvolume(src) {
		return "", fmt.Errorf("%s is not a btrfs subvolume (om SVC provision, or btrfs subvolume create %s)", src, src)
	}
	if !onBtrfs(filepath.Dir(filepath.Clean(src))) {
		return "", fmt.Errorf("%s is the top of its btrfs filesystem, and its snapshots could not sit beside it: sync a subvolume of it (src = \"%s/data\")", src, strings.TrimSuffix(src, "/"))
	}
	dir := snapDir(src)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", err
	}
	name := newSnapshotName()
	log.Op("btrfs subvolume snapshot -r %s %s/%s", src, dir, name)
	return name, btrfs(ctx, "subvolume", "snapshot", "-r", src, filepath.Join(dir, name))
}

// CopyTo sends this sync's snapshots to t, each against the one t last
// received when this node still has it, and returns the bytes sent; tr
// then holds them, the parents of the next send.
func (d *driver) CopyTo(ctx context.Context, log *providers.Log, t providers.SyncTarget, tr *syncrecord.Target, shell []string) (int64, error) {
	names := d.names
	var total int64
	for i, p := range synccore.Pairs(d.r, t) {
		parent := parentFor(snapDir(p[0]), names[i], tr.Snapshots, i)
		sent, err := d.send(ctx, log, t.Node, p, names[i], parent, shell)
		var exit *exec.ExitError
		if parent != "" && errors.As(err, &exit) && exit.ExitCode() == ExitNoParent {
			log.Info("%s: %s lacks snapshot %s: sending %s whole", t.Node, p[1], parent, names[i])
			sent, err = d.send(ctx, log, t.Node, p, names[i], "", shell)
		}
		total += sent
		if err != nil {
			return total, err
		}
	}
	tr.Snapshots = slices.Clone(names)
	return total, nil
}

// parentFor is the snapshot to send name against: the one the target
// last received from this node when it is still here, else this node's
// newest other snapshot (after a failover, the target may hold it: it
// sent or received it), the receiver asking for a whole send otherwise.
func parentFor(dir, name string, last []string, i int) string {
	if i < len(last) && last[i] != name && readOnly(filepath.Join(dir, last[i])) {
		return last[i]
	}
	all := snapshots(dir)
	for j := len(all) - 1; j >= 0; j-- {
		if all[j] != name && readOnly(filepath.Join(dir, all[j])) {
			return all[j]
		}
	}
	return ""
}

// send pipes `btrfs send` of snapshot name of p's source into the
// receiving end on node, through the data channel.
func (d *driver) send(ctx context.Context, log *providers.Log, node string, p [2]string, name, parent string, shell []string) (int64, error) {
	dir := snapDir(p[0])
	args := []string{"send", "-q"}
	if parent != "" {
		args = append(args, "-p", filepath.Join(dir, parent))
	}
	args = append(args, filepath.Join(dir, name))
	remote := append(append(slices.Clone(shell), node), Receive{Dst: p[1], Name: name, Parent: parent}.Args()...)
	log.Op("btrfs %s | om node ssh %s btrfs-receive %s %s %s", strings.Join(args, " "), node, p[1], name, parent)

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	sender := exec.CommandContext(ctx, "btrfs", args...)
	receiver := exec.CommandContext(ctx, remote[0], remote[1:]...)
	var sendErr, recvErr strings.Builder
	sender.Stderr, receiver.Stderr = &sendErr, &recvErr
	// once killed, a process's children may hold its pipes open: Wait
	// gives up on them after a while
	sender.WaitDelay, receiver.WaitDelay = 5*time.Second, 5*time.Second
	out, err := sender.StdoutPipe()
	if err != nil {
		return 0, err
	}
	in, err := receiver.StdinPipe()
	if err != nil {
		return 0, err
	}
	if err := receiver.Start(); err != nil {
		return 0, err
	}
	if err := sender.Start(); err != nil {
		in.Close()
		receiver.Wait()
		return 0, err
	}
	timeout := d.r.Duration("io_timeout", synccore.DefaultIOTimeout)
	progress := synccore.NewWatchdog(timeout, cancel)
	n, copyErr := io.Copy(in, progress.Reader(out))
	in.Close()
	if copyErr != nil {
		cancel() // a receiver gone: the sender must not block on its pipe
	}
	sErr, rErr := sender.Wait(), receiver.Wait()
	progress.Stop()
	switch {
	case progress.Fired():
		return n, fmt.Errorf("sending %s to %s:%s: no data moved for %s (io_timeout): abandoned", name, node, p[1], timeout)
	case rErr != nil:
		return n, fmt.Errorf("receiving %s on %s:%s: %w: %s", name, node, p[1], rErr, strings.TrimSpace(recvErr.String()))
	case sErr != nil:
		return n, fmt.Errorf("btrfs send %s: %w: %s", name, sErr, strings.TrimSpace(sendErr.String()))
	}
	return n, copyErr
}

// rotate deletes the snapshots of src beyond the newest keep, except the
// ones a target still needs as the parent of its next send.
func (d *driver) rotate(ctx context.Context, log *providers.Log, src string, i int, rec *syncrecord.Record) error {
	dir := snapDir(src)
	names := snapshots(dir)
	needed := map[string]bool{}
	for _, t := range rec.Targets {
		if i < len(t.Snapshots) {
			needed[t.Snapshots[i]] = true
		}
	}
	var errs []error
	for j, name := range names {
		if j >= len(names)-d.keep() || needed[name] {
			continue
		}
		log.Op("btrfs subvolume delete %s/%s", dir, name)
		if err := btrfs(ctx, "subvolume", "delete", filepath.Join(dir, name)); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
