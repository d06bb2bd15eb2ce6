package syncbtrfs

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/omhcl/omhcl/providers"
	"github.com/omhcl/omhcl/providers/internal/synccore"
)

var (
	_ providers.Syncer       = (*driver)(nil)
	_ providers.LastSyncer   = (*driver)(nil)
	_ providers.AttrChecker  = (*driver)(nil)
	_ providers.ExistChecker = (*driver)(nil)
	_ providers.SyncReceiver = (*driver)(nil)
)

type driver struct {
	synccore.Armed
	r *providers.Resource
	// names are the snapshots this sync sends, one per src (Prepare).
	names []string
}

// New returns the driver of r.
func New(r *providers.Resource) (providers.Driver, error) {
	d := &driver{Armed: synccore.Armed{R: r}, r: r}
	if err := providers.Refuse(r, d.CheckAttrs(context.Background(), providers.Check{})); err != nil {
		return nil, err
	}
	return d, nil
}

// CheckAttrs checks the attributes of every sync driver, and keep.
func (d *driver) CheckAttrs(ctx context.Context, c providers.Check) []*providers.AttrError {
	errs := synccore.Check(d.r)
	if v, ok := d.r.Attrs["keep"]; ok && v.IsKnown() && !v.IsNull() {
		if n, acc := v.AsBigFloat().Int64(); acc != 0 || n < 1 {
			errs = append(errs, providers.Invalid("keep", "keep = %s: want a whole number of snapshots, at least 1 (the parent of the next send)", v.AsBigFloat().String()))
		}
	}
	return errs
}

// keep is the number of snapshots kept per subvolume, as the node the
// resource was evaluated for says: the receiving end keeps its own.
func (d *driver) keep() int {
	if v, ok := d.r.Attrs["keep"]; ok && v.IsKnown() && !v.IsNull() {
		if n, acc := v.AsBigFloat().Int64(); acc == 0 && n >= 1 {
			return int(n)
		}
	}
	return defaultKeep
}

// ReceiveDst is DST in a receive request, "btrfs-receive DST NAME
// PARENT" (Receive.Args), whose snapshot names it checks.
func (d *driver) ReceiveDst(argv []string) (string, bool, error) {
	if len(argv) == 0 || argv[0] != "btrfs-receive" {
		return "", false, nil
	}
	rc, err := ParseRequest(argv)
	return rc.Dst, true, err
}

// ReceiveCommand maps a receive request to this node's receiving end,
// `om node btrfs-receive --keep KEEP DST NAME PARENT` (Receive.Run): DST
// and KEEP this node's, of the request only the snapshot names, in their
// format (a name never becomes a path).
func (d *driver) ReceiveCommand(ctx context.Context, req providers.SyncReceive) ([]string, error) {
	rc, err := ParseRequest(req.Argv)
	if err != nil {
		return nil, err
	}
	switch {
	case rc.Dst != filepath.Clean(req.Dst):
		return nil, fmt.Errorf("%s.%s receives into %s, not %s", d.r.Service, d.r.RID(), req.Dst, rc.Dst)
	case len(req.Om) == 0:
		return nil, errors.New("no om command to receive with")
	}
	argv := append(slices.Clone(req.Om), "node", "btrfs-receive", "--keep", strconv.Itoa(d.keep()))
	return append(argv, filepath.Clean(req.Dst), rc.Name, rc.Parent), nil
}

// Describe is the status line: the seed's "btrfs of deb1:deb1 to ['nodes']".
func (d *driver) Describe() string {
	return fmt.Sprintf("btrfs of %s to %s", strings.Join(d.r.Strings("src"), " "), synccore.Targets(d.r))
}

// Provision creates the source subvolumes that do not exist yet.
func (d *driver) Provision(ctx context.Context, log *providers.Log) error {
	for _, src := range d.r.Strings("src") {
		if isSubvolume(src) {
			continue
		}
		log.Op("btrfs subvolume create %s", src)
		if err := btrfs(ctx, "subvolume", "create", src); err != nil {
			return err
		}
	}
	return nil
}

// Exists reports whether every source subvolume is there (made, or
// received from the node that ran the service).
func (d *driver) Exists(ctx context.Context) bool {
	for _, src := range d.r.Strings("src") {
		if !isSubvolume(src) {
			return false
		}
	}
	return len(d.r.Strings("src")) > 0
}

// Unprovision deletes what Provision and the syncs made: the source
// subvolumes (on a target, the received copies) and their snapshots.
func (d *driver) Unprovision(ctx context.Context, log *providers.Log) error {
	for _, src := range d.r.Strings("src") {
		dir := snapDir(src)
		for _, s := range snapshots(dir) {
			log.Op("btrfs subvolume delete %s/%s", dir, s)
			if err := btrfs(ctx, "subvolume", "delete", filepath.Join(dir, s)); err != nil {
				return err
			}
		}
		if isSubvolume(src) {
			log.Op("btrfs subvolume delete %s", src)
			if err := btrfs(ctx, "subvolume", "delete", src); err != nil {
				return err
			}
		}
	}
	return nil
}

// Operations are what a sync runs, never the data.
func (d *driver) Operations(ctx context.Context, a providers.Action) []string {
	var ops []string
	for _, p := range synccore.Pairs(d.r, providers.SyncTarget{}) {
		switch a {
		case providers.ActProvision:
			if !isSubvolume(p[0]) {
				ops = append(ops, "btrfs subvolume create "+p[0])
			}
		case providers.ActUnprovision:
			ops = append(ops, fmt.Sprintf("btrfs subvolume delete %s/* %s", snapDir(p[0]), p[0]))
		case providers.ActStart:
			ops = append(ops, fmt.Sprintf("btrfs subvolume snapshot -r %s %s/NEW; btrfs send [-p LAST] | om node ssh TARGET btrfs-receive %s for each of %s, every %s while the service runs here (om SVC sync update: now); keep %d snapshots",
				p[0], snapDir(p[0]), p[1], synccore.Targets(d.r), d.r.Str("interval"), d.keep()))
		}
	}
	return ops
}
