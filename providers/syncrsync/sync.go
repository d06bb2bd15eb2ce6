package syncrsync

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/omhcl/omhcl/providers"
	"github.com/omhcl/omhcl/providers/internal/synccore"
)

// Sync copies every src to its dst on each target, one target after the
// other, and records each target's outcome. One sync of a resource runs
// at a time on a node: a second is refused, not queued.
func (d *driver) Sync(ctx context.Context, log *providers.Log, req providers.SyncRequest) error {
	rec, unlock, err := synccore.Begin(ctx, d.r, req)
	if err != nil {
		return err
	}
	defer unlock()
	var errs []error
	for _, t := range req.Targets {
		begin := time.Now()
		sent, err := d.syncTo(ctx, log, t, req.RemoteShell)
		if err != nil {
			rec.Of(t.Node).Failed(err)
			errs = append(errs, fmt.Errorf("%s: %w", t.Node, err))
			continue
		}
		rec.Of(t.Node).Succeeded(begin, sent)
		log.Info("%s: synced, %s in %s", t.Node, synccore.BytesText(sent), time.Since(begin).Round(time.Millisecond))
	}
	if err := rec.Save(); err != nil {
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
	for _, p := range synccore.Pairs(d.r, t) {
		argv := append([]string{"rsync"}, d.rsyncOptions()...)
		argv = append(argv, "-e", synccore.ShellWords(shell), strings.TrimSuffix(p[0], "/")+"/", node+":"+strings.TrimSuffix(p[1], "/")+"/")
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
