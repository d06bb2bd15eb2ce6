package syncrsync

import (
	"context"
	"fmt"
	"regexp"
	"strings"

	"github.com/omhcl/omhcl/providers"
	"github.com/omhcl/omhcl/providers/internal/synccore"
)

var (
	_ providers.Syncer       = (*driver)(nil)
	_ providers.LastSyncer   = (*driver)(nil)
	_ providers.AttrChecker  = (*driver)(nil)
	_ providers.SyncReceiver = (*driver)(nil)
)

type driver struct {
	synccore.Armed
	r *providers.Resource
}

// New returns the driver of r.
func New(r *providers.Resource) (providers.Driver, error) {
	d := &driver{Armed: synccore.Armed{R: r}, r: r}
	if err := providers.Refuse(r, d.CheckAttrs(context.Background(), providers.Check{})); err != nil {
		return nil, err
	}
	return d, nil
}

// CheckAttrs checks the attributes every sync driver takes.
func (d *driver) CheckAttrs(ctx context.Context, c providers.Check) []*providers.AttrError {
	errs := synccore.Check(d.r)
	if bw := d.r.Str("bwlimit"); bw != "" && bw != providers.Unknown && !bwlimitRe.MatchString(bw) {
		errs = append(errs, providers.Invalid("bwlimit", `bwlimit %q: want a rate as rsync takes it ("10m", "500k", "1.5g")`, bw))
	}
	if d.r.Known("options", "devices") {
		for _, msg := range optionProblems(d.r.Strings("options"), d.r.Bool("devices")) {
			errs = append(errs, providers.Invalid("options", "%s", msg))
		}
	}
	return errs
}

// bwlimitRe is rsync's --bwlimit: a number, a unit of K, M, G (1024s) or
// KB, MB, GB (1000s).
var bwlimitRe = regexp.MustCompile(`^[0-9]+(\.[0-9]+)?([kKmMgG][bB]?)?$`)

// Describe is the status line: the seed's "rsync svc config to drpnodes, nodes".
func (d *driver) Describe() string {
	return fmt.Sprintf("rsync %s to %s", strings.Join(d.r.Strings("src"), " "), synccore.Targets(d.r))
}

func (d *driver) Provision(ctx context.Context, log *providers.Log) error   { return nil }
func (d *driver) Unprovision(ctx context.Context, log *providers.Log) error { return nil }

// Operations are what a sync runs, never the data.
func (d *driver) Operations(ctx context.Context, a providers.Action) []string {
	if a != providers.ActStart {
		return nil
	}
	var ops []string
	for _, p := range synccore.Pairs(d.r, providers.SyncTarget{}) {
		ops = append(ops, fmt.Sprintf("rsync %s -e 'om node ssh' %s/ TARGET:%s/ for each of %s, every %s while the service runs here (om SVC sync update: now)",
			strings.Join(d.rsyncOptions(), " "), p[0], p[1], synccore.Targets(d.r), d.r.Str("interval")))
	}
	return ops
}

// rsyncOptions are the options of every transfer: -a without its -D
// (device and special files only with devices = true), deletions
// mirrored, hard links and sparse files kept, stats for the bytes. The
// sender runs rsync with them, and the target builds from its own copy
// of the resource the receiving end they ask for (ReceiveCommand).
func (d *driver) rsyncOptions() []string {
	timeout := int(d.r.Duration("io_timeout", synccore.DefaultIOTimeout).Seconds())
	opts := []string{"-rlptgoHS"}
	if d.r.Bool("devices") {
		opts = append(opts, "-D")
	}
	opts = append(opts, "--delete", "--stats", fmt.Sprintf("--timeout=%d", max(timeout, 1)))
	for _, x := range d.r.Strings("exclude") {
		opts = append(opts, "--exclude", x)
	}
	if bw := d.r.Str("bwlimit"); bw != "" {
		opts = append(opts, "--bwlimit", bw)
	}
	return append(opts, d.r.Strings("options")...)
}
