package fs

import (
	"context"
	"strings"

	"github.com/omhcl/omhcl/providers"
)

// step is one command an action runs. exec runs it; nil runs it once and
// fails on any error. note, shown after the command in plans, says how it
// runs when that depends on the system: "(retried while busy)".
type step struct {
	argv []string
	exec func(ctx context.Context, log *providers.Log, argv []string) error
	note string
}

// render is the plan line of each step.
func render(steps []step) []string {
	var out []string
	for _, s := range steps {
		line := strings.Join(s.argv, " ")
		if s.note != "" {
			line += " " + s.note
		}
		out = append(out, line)
	}
	return out
}

func runSteps(ctx context.Context, log *providers.Log, steps []step) error {
	for _, s := range steps {
		var err error
		if s.exec != nil {
			err = s.exec(ctx, log, s.argv)
		} else {
			_, err = providers.Run(ctx, log, s.argv...)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// startSteps create the mount point (mkdir -p does nothing when it
// exists), check the filesystem, mount it and set its root's owner and
// mode.
func (d *driver) startSteps() []step {
	steps := []step{{argv: []string{"mkdir", "-p", d.mnt()}}}
	if d.typ.fsck && d.check() {
		steps = append(steps, step{argv: []string{"e2fsck", "-p", d.dev()}, exec: d.fsck})
	}
	mount := []string{"mount", "-t", d.typ.name}
	if opts := d.mountOptions(); opts != "" {
		mount = append(mount, "-o", opts)
	}
	steps = append(steps, step{argv: append(mount, d.source(), d.mnt())})
	return append(steps, d.ownershipSteps()...)
}

// mountOptions is mnt_opt, with "bind" added for a bind mount that does
// not say bind or rbind.
func (d *driver) mountOptions() string {
	opts := d.r.Str("mnt_opt")
	if d.typ.name != "none" {
		return opts
	}
	for _, o := range strings.Split(opts, ",") {
		if o == "bind" || o == "rbind" {
			return opts
		}
	}
	if opts == "" {
		return "bind"
	}
	return "bind," + opts
}

func (d *driver) ownershipSteps() []step {
	var steps []step
	user, group := d.r.Str("user"), d.r.Str("group")
	if user != "" || group != "" {
		owner := user
		if group != "" {
			owner += ":" + group
		}
		steps = append(steps, step{argv: []string{"chown", owner, d.mnt()}})
	}
	if perm := d.r.Str("perm"); perm != "" {
		steps = append(steps, step{argv: []string{"chmod", perm, d.mnt()}})
	}
	return steps
}

func (d *driver) stopSteps() []step {
	return []step{{argv: []string{"umount", d.mnt()}, exec: d.umount, note: "(retried while busy)"}}
}

// mkfsSteps make the filesystem; provision runs them only on a blank dev,
// never over a filesystem or a partition table.
func (d *driver) mkfsSteps() []step {
	if d.typ.mkfs == nil {
		return nil
	}
	argv := append([]string(nil), d.typ.mkfs...)
	argv = append(argv, d.r.Strings("mkfs_opt")...)
	dev := d.dev()
	if dev == providers.Unknown {
		dev = "the device"
	}
	note := "(skipped when " + dev + " already holds a filesystem)"
	return []step{{argv: append(argv, d.dev()), note: note}}
}

// wipeSteps erase the filesystem signatures of dev; unprovision runs them
// only when it has any.
func (d *driver) wipeSteps() []step {
	if d.typ.mkfs == nil {
		return nil
	}
	return []step{{argv: []string{"wipefs", "-a", d.dev()}}}
}
