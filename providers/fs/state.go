package fs

import (
	"fmt"
	"os"

	"github.com/omhcl/omhcl/providers"
	"golang.org/x/sys/unix"
)

// mountState is what is mounted at the mount point now.
type mountState struct {
	mounted bool   // something is mounted at mnt
	ours    bool   // and it is dev
	source  string // what is mounted there
}

// state reads the mount table. An unknown dev reads as not ours.
func (d *driver) state() (mountState, error) {
	mounts, err := readMounts()
	if err != nil {
		return mountState{}, fmt.Errorf("%s: read the mount table: %w", d.r.RID(), err)
	}
	m, ok := mountAt(mounts, canonical(d.mnt()))
	if !ok {
		return mountState{}, nil
	}
	return mountState{mounted: true, ours: d.isOurs(m), source: m.source}, nil
}

// isOurs reports whether m mounts dev. Block devices match on major:minor,
// which sees through symlinks like /dev/vg/lv; filesystems whose mount
// reports an anonymous device (btrfs) match on the resolved source path.
func (d *driver) isOurs(m mount) bool {
	dev := d.dev()
	switch {
	case dev == providers.Unknown:
		return false
	case d.typ.name == "tmpfs":
		return m.fstype == "tmpfs" && (dev == "" || m.source == dev)
	case d.typ.name == "none":
		return sameFile(dev, d.mnt())
	}
	var st unix.Stat_t
	if err := unix.Stat(dev, &st); err == nil && st.Mode&unix.S_IFMT == unix.S_IFBLK &&
		unix.Major(st.Rdev) == m.major && unix.Minor(st.Rdev) == m.minor {
		return true
	}
	return canonical(m.source) == canonical(dev)
}

// sameFile reports whether a and b are the same directory: a bind mount's
// root is the very inode it binds.
func sameFile(a, b string) bool {
	sa, err1 := os.Stat(a)
	sb, err2 := os.Stat(b)
	return err1 == nil && err2 == nil && os.SameFile(sa, sb)
}
