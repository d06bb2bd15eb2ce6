package syncrsync

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/omhcl/omhcl/providers"
	"github.com/zclconf/go-cty/cty"
)

var (
	_ providers.Syncer      = (*driver)(nil)
	_ providers.LastSyncer  = (*driver)(nil)
	_ providers.AttrChecker = (*driver)(nil)
)

type driver struct{ r *providers.Resource }

// New returns the driver of r.
func New(r *providers.Resource) (providers.Driver, error) {
	d := &driver{r: r}
	if errs := d.CheckAttrs(context.Background(), providers.Check{}); len(errs) > 0 {
		return nil, errs[0]
	}
	return d, nil
}

// CheckAttrs refuses relative paths, dst lists of another length than
// src, unknown target sets and bad durations.
func (d *driver) CheckAttrs(ctx context.Context, c providers.Check) []*providers.AttrError {
	var errs []*providers.AttrError
	src, dst := d.r.Strings("src"), d.r.Strings("dst")
	for _, p := range append(append([]string{}, src...), dst...) {
		if p != providers.Unknown && !filepath.IsAbs(p) {
			errs = append(errs, providers.Invalid("src", "%q is not an absolute path", p))
		}
	}
	if len(dst) > 0 && len(dst) != len(src) {
		errs = append(errs, providers.Invalid("dst", "dst has %d paths and src %d: one destination per source", len(dst), len(src)))
	}
	for _, t := range d.r.Strings("target") {
		if t != "nodes" && t != "drpnodes" && t != providers.Unknown {
			errs = append(errs, providers.Invalid("target", `target %q: want "nodes" or "drpnodes"`, t))
		}
	}
	for _, a := range []string{"interval", "max_delay"} {
		if s := d.r.Str(a); s != "" && s != providers.Unknown {
			if v, err := time.ParseDuration(s); err != nil || v <= 0 {
				errs = append(errs, providers.Invalid(a, "%s %q is not a positive duration (\"30m\")", a, s))
			}
		}
	}
	return errs
}

// pairs are the (source, destination) paths; a directory syncs its
// content (the trailing slash rsync wants).
func (d *driver) pairs() [][2]string {
	src, dst := d.r.Strings("src"), d.r.Strings("dst")
	out := make([][2]string, len(src))
	for i, s := range src {
		to := s
		if i < len(dst) {
			to = dst[i]
		}
		out[i] = [2]string{s, to}
	}
	return out
}

func (d *driver) targets() string { return strings.Join(d.r.Strings("target"), ", ") }

// Describe is the status line: the seed's "rsync svc config to drpnodes, nodes".
func (d *driver) Describe() string {
	return fmt.Sprintf("rsync %s to %s", strings.Join(d.r.Strings("src"), " "), d.targets())
}

// Status compares each target's last good sync with max_delay. A node
// that never synced (it does not run the service) has nothing to say.
func (d *driver) Status(ctx context.Context) providers.Status {
	rec, err := d.load()
	if err != nil {
		return providers.Status{State: providers.Warn, Messages: []string{err.Error()}}
	}
	if len(rec.Targets) == 0 {
		return providers.Status{State: providers.NA, Messages: []string{"no sync from this node yet"}}
	}
	maxDelay := d.r.Duration("max_delay", defaultMaxDelay)
	st := providers.Status{State: providers.Up}
	for _, node := range rec.nodes() {
		t := rec.Targets[node]
		age := time.Since(t.Last).Round(time.Second)
		msg := fmt.Sprintf("%s: last sync %s ago, %s", node, age, bytesText(t.Bytes))
		if t.Error != "" {
			msg += "; then failed: " + t.Error
		}
		if age > maxDelay || t.Last.IsZero() {
			st.State = providers.Warn
			msg = "warn: " + msg + fmt.Sprintf(" (max_delay %s)", maxDelay)
		}
		st.Messages = append(st.Messages, msg)
	}
	return st
}

// Start and Stop arm and disarm the resource: syncs run on request and
// on the daemon's schedule while the service runs here.
func (d *driver) Start(ctx context.Context, log *providers.Log) error { return nil }
func (d *driver) Stop(ctx context.Context, log *providers.Log) error  { return nil }

func (d *driver) Provision(ctx context.Context, log *providers.Log) error   { return nil }
func (d *driver) Unprovision(ctx context.Context, log *providers.Log) error { return nil }

func (d *driver) Exposed(ctx context.Context) map[string]cty.Value { return nil }

// Operations are what a sync runs, never the data.
func (d *driver) Operations(ctx context.Context, a providers.Action) []string {
	if a != providers.ActStart {
		return nil
	}
	var ops []string
	for _, p := range d.pairs() {
		ops = append(ops, fmt.Sprintf("rsync %s -e 'om node ssh' %s/ TARGET:%s/ for each of %s, every %s while the service runs here (om SVC sync update: now)",
			strings.Join(d.rsyncOptions(), " "), p[0], p[1], d.targets(), d.r.Str("interval")))
	}
	return ops
}

// rsyncOptions are the options of every transfer: archive, deletions
// mirrored, hard links and sparse files kept, stats for the bytes.
func (d *driver) rsyncOptions() []string {
	opts := []string{"-aHS", "--delete", "--stats"}
	for _, x := range d.r.Strings("exclude") {
		opts = append(opts, "--exclude", x)
	}
	if bw := d.r.Str("bwlimit"); bw != "" {
		opts = append(opts, "--bwlimit", bw)
	}
	return append(opts, d.r.Strings("options")...)
}

func bytesText(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GB sent", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB sent", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f kB sent", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d bytes sent", n)
}

// LastSync is the oldest of the targets' last good syncs: zero when one
// never got one, or when nothing is recorded.
func (d *driver) LastSync() time.Time {
	rec, err := d.load()
	if err != nil {
		return time.Time{}
	}
	return rec.last()
}
