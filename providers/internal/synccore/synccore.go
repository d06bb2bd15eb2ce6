// Package synccore is what every sync driver (sync.rsync, sync.btrfs)
// shares: the common attributes and their checks, the per-target record of
// the last good sync kept in the resource's state directory, the status
// and schedule read from it, and the one-sync-at-a-time lock.
package synccore

import (
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/omhcl/omhcl/providers"
	"github.com/omhcl/omhcl/providers/syncrecord"
	"github.com/zclconf/go-cty/cty"
)

// Defaults of the durations, when unset or unknown.
const (
	DefaultInterval  = 30 * time.Minute
	DefaultMaxDelay  = syncrecord.DefaultMaxDelay
	DefaultIOTimeout = 2 * time.Minute
)

var strList = cty.List(cty.String)

// Attrs are the attributes every sync driver takes, after its own.
func Attrs(srcDoc string) []providers.AttrSpec {
	return []providers.AttrSpec{
		{Name: "src", Type: strList, Required: true, Doc: srcDoc},
		{Name: "dst", Type: strList, Doc: "Where each src goes on the targets (default: the same paths)."},
		{Name: "target", Type: strList, Default: cty.ListVal([]cty.Value{cty.StringVal("nodes"), cty.StringVal("drpnodes")}), InPlace: true, Doc: `The node sets copied to: "nodes", "drpnodes".`},
		{Name: "interval", Type: cty.String, Default: cty.StringVal("30m"), InPlace: true, Doc: "How often the daemon syncs while the service runs here."},
		{Name: "max_delay", Type: cty.String, Default: cty.StringVal("2h"), InPlace: true, Doc: "Status warns when a target's last good sync is older."},
		{Name: "io_timeout", Type: cty.String, Default: cty.StringVal("2m"), InPlace: true, Doc: "A transfer that moves no data for this long is abandoned (a target stuck on its disk), and the other targets get their turn."},
	}
}

// Check refuses relative paths, dst lists of another length than src,
// unknown target sets and bad durations.
func Check(r *providers.Resource) []*providers.AttrError {
	var errs []*providers.AttrError
	src, dst := r.Strings("src"), r.Strings("dst")
	for attr, paths := range map[string][]string{"src": src, "dst": dst} {
		for _, p := range paths {
			switch {
			case p == providers.Unknown:
			case !filepath.IsAbs(p):
				errs = append(errs, providers.Invalid(attr, "%q is not an absolute path", p))
			case filepath.Clean(p) == "/":
				errs = append(errs, providers.Invalid(attr, "%q is the root directory: a sync mirrors its source, deletions included; name the service's own paths", p))
			}
		}
	}
	if len(dst) > 0 && len(dst) != len(src) {
		errs = append(errs, providers.Invalid("dst", "dst has %d paths and src %d: one destination per source", len(dst), len(src)))
	}
	for _, t := range r.Strings("target") {
		if t != "nodes" && t != "drpnodes" && t != providers.Unknown {
			errs = append(errs, providers.Invalid("target", `target %q: want "nodes" or "drpnodes"`, t))
		}
	}
	for _, a := range []string{"interval", "max_delay", "io_timeout"} {
		if s := r.Str(a); s != "" && s != providers.Unknown {
			if v, err := time.ParseDuration(s); err != nil || v < time.Second {
				errs = append(errs, providers.Invalid(a, "%s %q is not a duration of a second or more (\"30m\")", a, s))
			}
		}
	}
	return errs
}

// Pairs are r's (source, destination) paths on the target t: its
// destinations as t evaluates them when known, else r's dst, else the
// sources' own paths.
func Pairs(r *providers.Resource, t providers.SyncTarget) [][2]string {
	src, dst := r.Strings("src"), r.Strings("dst")
	if len(t.Dst) > 0 {
		dst = t.Dst
	}
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

// Targets is the status line's "to nodes, drpnodes".
func Targets(r *providers.Resource) string { return strings.Join(r.Strings("target"), ", ") }

// BytesText says an amount of bytes sent.
func BytesText(n int64) string {
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

// ShellWords quotes words for a shell's (or rsync's -e) splitting.
func ShellWords(words []string) string {
	q := make([]string, len(words))
	for i, w := range words {
		q[i] = "'" + strings.ReplaceAll(w, "'", `'\''`) + "'"
	}
	return strings.Join(q, " ")
}
