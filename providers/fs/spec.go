// Package fs is the fs driver: a filesystem mounted on the node running the
// service. One driver serves every type (ext4, xfs, tmpfs, bind mounts...);
// the types differ in how they are made, checked and mounted.
package fs

import (
	"path/filepath"
	"regexp"
	"slices"

	"github.com/omhcl/omhcl/providers"
	"github.com/zclconf/go-cty/cty"
)

// fsType is what differs between filesystem types.
type fsType struct {
	name string
	// mkfs is the command making the filesystem, opts before the device;
	// nil when there is nothing to make (tmpfs, bind mounts).
	mkfs []string
	// fsck runs e2fsck -p before mount when the check attribute is true.
	fsck bool
	// noDev marks types whose dev is optional (tmpfs).
	noDev bool
}

var types = []fsType{
	{name: "ext4", mkfs: []string{"mkfs.ext4", "-F", "-q"}, fsck: true},
	{name: "ext3", mkfs: []string{"mkfs.ext3", "-F", "-q"}, fsck: true},
	{name: "ext2", mkfs: []string{"mkfs.ext2", "-F", "-q"}, fsck: true},
	{name: "xfs", mkfs: []string{"mkfs.xfs", "-q"}},
	{name: "btrfs", mkfs: []string{"mkfs.btrfs", "-q"}},
	{name: "vfat", mkfs: []string{"mkfs.vfat"}},
	{name: "tmpfs", noDev: true},
	{name: "none"}, // bind mounts: dev is the directory to bind
}

var attrs = []providers.AttrSpec{
	{Name: "dev", Type: cty.String, Doc: "Device to mount (the directory to bind for type none); required except for tmpfs."},
	{Name: "mnt", Type: cty.String, Required: true, Doc: "Mount point, created at start when missing."},
	{Name: "mnt_opt", Type: cty.String, Doc: `Mount options, as for mount -o: "noatime,nodev".`},
	{Name: "check", Type: cty.Bool, Default: cty.True, Doc: "Run e2fsck -p before mounting an ext2/3/4 filesystem."},
	{Name: "mkfs_opt", Type: cty.List(cty.String), Doc: "Extra mkfs arguments provision passes before the device."},
	{Name: "user", Type: cty.String, Doc: "Owner given to the mounted filesystem's root directory."},
	{Name: "group", Type: cty.String, Doc: "Group given to the mounted filesystem's root directory."},
	{Name: "perm", Type: cty.String, Doc: `Mode given to the mounted filesystem's root directory: "0750".`},
}

func init() {
	for _, t := range types {
		providers.Register(&providers.Spec{
			Kind:          "fs",
			Type:          t.name,
			Default:       t.name == "ext4",
			Doc:           doc(t),
			Attrs:         attrsOf(t),
			Provisionable: t.mkfs != nil,
			New:           newFunc(t),
		})
	}
}

// attrsOf is attrs with dev exclusive for the types made on a device: two
// bind mounts of one directory are fine, two filesystems on one device not.
func attrsOf(t fsType) []providers.AttrSpec {
	out := slices.Clone(attrs)
	for i := range out {
		out[i].Exclusive = out[i].Name == "dev" && t.mkfs != nil
	}
	return out
}

func doc(t fsType) string {
	switch {
	case t.name == "none":
		return "A bind mount of the directory dev on mnt."
	case t.noDev:
		return "A " + t.name + " memory filesystem mounted on mnt."
	}
	return "A " + t.name + " filesystem on dev mounted on mnt. Provision makes the filesystem when dev has none."
}

var (
	permRe = regexp.MustCompile(`^0?[0-7]{3,4}$`)
	// ownerRe accepts user and group names or numeric ids, never an
	// option-like word.
	ownerRe = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9_.-]*\$?$`)
)

func newFunc(t fsType) func(r *providers.Resource) (providers.Driver, error) {
	return func(r *providers.Resource) (providers.Driver, error) {
		d := newDriver(r, t)
		if err := providers.Refuse(r, d.validate()); err != nil {
			return nil, err
		}
		return d, nil
	}
}

// validate checks the attributes known so far.
func (d *driver) validate() []*providers.AttrError {
	var errs []*providers.AttrError
	switch mnt := d.r.Str("mnt"); {
	case mnt == providers.Unknown:
	case mnt == "":
		errs = append(errs, providers.Invalid("mnt", "mnt is required"))
	case !filepath.IsAbs(mnt):
		errs = append(errs, providers.Invalid("mnt", "mnt %q must be an absolute path", mnt))
	case filepath.Clean(mnt) == "/":
		errs = append(errs, providers.Invalid("mnt", "mnt cannot be /"))
	}
	switch dev := d.r.Str("dev"); {
	case dev == providers.Unknown:
	case dev == "" && !d.typ.noDev:
		errs = append(errs, providers.Invalid("dev", "dev is required for a %s filesystem", d.typ.name))
	case dev != "" && !d.typ.noDev && !filepath.IsAbs(dev):
		errs = append(errs, providers.Invalid("dev", "dev %q must be an absolute path", dev))
	}
	if perm := d.r.Str("perm"); perm != "" && perm != providers.Unknown && !permRe.MatchString(perm) {
		errs = append(errs, providers.Invalid("perm", "perm %q is not an octal mode like 0750", perm))
	}
	for _, a := range []string{"user", "group"} {
		if v := d.r.Str(a); v != "" && v != providers.Unknown && !ownerRe.MatchString(v) {
			errs = append(errs, providers.Invalid(a, "%s %q is not a valid name", a, v))
		}
	}
	return errs
}
