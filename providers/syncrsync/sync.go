package syncrsync

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/omhcl/omhcl/providers"
	"github.com/omhcl/omhcl/providers/internal/synccore"
	"github.com/omhcl/omhcl/providers/syncrecord"
)

// Sync copies every src to its dst on each target (synccore.Run).
func (d *driver) Sync(ctx context.Context, log *providers.Log, req providers.SyncRequest) error {
	return synccore.Run(ctx, log, d.r, req, d)
}

func (d *driver) Prepare(ctx context.Context, log *providers.Log) error { return nil }

func (d *driver) Finish(ctx context.Context, log *providers.Log, rec *syncrecord.Record) error {
	return nil
}

// CopyTo runs the transfers to t and returns the bytes sent.
func (d *driver) CopyTo(ctx context.Context, log *providers.Log, t providers.SyncTarget, _ *syncrecord.Target, shell []string) (int64, error) {
	var sent int64
	node := t.Node
	for _, p := range synccore.Pairs(d.r, t) {
		argv := d.clientArgv(synccore.ShellWords(shell), p[0], node, p[1])
		log.Op("rsync %s %s/ %s:%s/", strings.Join(d.rsyncOptions(), " "), p[0], node, p[1])
		var out, errb bytes.Buffer
		cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
		cmd.Env = rsyncEnv()
		cmd.Stdout, cmd.Stderr = &out, &errb
		cmd.WaitDelay = 5 * time.Second // its remote shell may outlive a killed rsync
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
