package syncrsync

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/omhcl/omhcl/providers"
)

// Sync copies every src to its dst on each target, one target after the
// other, and records each target's outcome. One sync of a resource runs
// at a time on a node: a second is refused, not queued.
func (d *driver) Sync(ctx context.Context, log *providers.Log, req providers.SyncRequest) error {
	if len(req.RemoteShell) == 0 {
		return fmt.Errorf("%s: no way to reach the targets", d.r.RID())
	}
	unlock, err := d.lock(ctx, req.Wait)
	if err != nil {
		return err
	}
	defer unlock()
	rec, err := d.load()
	if err != nil {
		return err
	}
	if req.Due != nil && !req.Due(rec.last()) {
		return fmt.Errorf("%s: %w", d.r.RID(), providers.ErrSyncNotDue)
	}
	var errs []error
	for _, t := range req.Targets {
		begin := time.Now()
		sent, err := d.syncTo(ctx, log, t, req.RemoteShell)
		tr := rec.Targets[t.Node]
		if tr == nil {
			tr = &targetRecord{}
			rec.Targets[t.Node] = tr
		}
		if err != nil {
			tr.Error, tr.ErrorAt = err.Error(), time.Now().UTC()
			errs = append(errs, fmt.Errorf("%s: %w", t.Node, err))
			continue
		}
		tr.Last, tr.Bytes, tr.Took, tr.Error, tr.ErrorAt = begin.UTC(), sent, time.Since(begin), "", time.Time{}
		log.Info("%s: synced, %s in %s", t.Node, bytesText(sent), time.Since(begin).Round(time.Millisecond))
	}
	if err := d.save(rec); err != nil {
		errs = append(errs, err)
	}
	if len(errs) > 0 {
		return fmt.Errorf("%s: %w", d.r.RID(), errors.Join(errs...))
	}
	return nil
}

// syncTo runs the transfers to node and returns the bytes sent.
func (d *driver) syncTo(ctx context.Context, log *providers.Log, t providers.SyncTarget, shell []string) (int64, error) {
	var sent int64
	node := t.Node
	for i, p := range d.pairs() {
		if i < len(t.Dst) {
			p[1] = t.Dst[i]
		}
		argv := append([]string{"rsync"}, d.rsyncOptions()...)
		argv = append(argv, "-e", shellWords(shell), strings.TrimSuffix(p[0], "/")+"/", node+":"+strings.TrimSuffix(p[1], "/")+"/")
		log.Op("rsync %s %s/ %s:%s/", strings.Join(d.rsyncOptions(), " "), p[0], node, p[1])
		var out, errb bytes.Buffer
		cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
		cmd.Stdout, cmd.Stderr = &out, &errb
		if err := cmd.Run(); err != nil {
			return sent, fmt.Errorf("rsync %s to %s:%s: %v: %s", p[0], node, p[1], err, strings.TrimSpace(errb.String()))
		}
		sent += statsSent(out.String())
	}
	return sent, nil
}

var sentRe = regexp.MustCompile(`Total bytes sent: ([0-9,.]+)`)

// statsSent reads the bytes sent from rsync --stats.
func statsSent(out string) int64 {
	m := sentRe.FindStringSubmatch(out)
	if m == nil {
		return 0
	}
	n, _ := strconv.ParseInt(strings.NewReplacer(",", "", ".", "").Replace(m[1]), 10, 64)
	return n
}

// shellWords is rsync's -e value: words quoted for its own splitting.
func shellWords(words []string) string {
	q := make([]string, len(words))
	for i, w := range words {
		q[i] = "'" + strings.ReplaceAll(w, "'", `'\''`) + "'"
	}
	return strings.Join(q, " ")
}

// lock takes the resource's sync lock: one sync at a time per resource on
// a node, the others waiting for it (wait) or refused.
func (d *driver) lock(ctx context.Context, wait bool) (func(), error) {
	if err := os.MkdirAll(d.r.StateDir, 0o700); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(filepath.Join(d.r.StateDir, "sync.lock"), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, err
	}
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			return func() { f.Close() }, nil
		}
		if !wait {
			f.Close()
			return nil, fmt.Errorf("%s: %w", d.r.RID(), providers.ErrSyncBusy)
		}
		select {
		case <-ctx.Done():
			f.Close()
			return nil, fmt.Errorf("%s: waiting for the sync in progress: %w", d.r.RID(), ctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
	}
}
