package fs

import (
	"context"
	"strings"

	"github.com/omhcl/omhcl/providers"
)

// step is one command an action runs. exec runs it; nil runs it once and
// fails on any error.
type step struct {
	argv []string
	exec func(ctx context.Context, log *providers.Log, argv []string) error
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

// startSteps create the mount point, check the filesystem, mount it and
// set its root's owner and mode; nothing when it is already mounted.
func (d *driver) startSteps(st mountState) []step {
	if st.ours {
		return nil
	}
	var steps []step
	if mnt := d.mnt(); mnt == providers.Unknown || !isDir(mnt) {
		steps = append(steps, step{argv: []string{"mkdir", "-p", mnt}})
	}
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

func (d *driver) stopSteps(st mountState) []step {
	if !st.ours {
		return nil
	}
	return []step{{argv: []string{"umount", d.mnt()}, exec: d.umount}}
}

// provisionSteps make the filesystem unless dev already holds one. A dev
// that is not known yet or does not exist yet (made by the same apply) is
// taken as blank: provision probes it again before running mkfs.
func (d *driver) provisionSteps(ctx context.Context) ([]step, error) {
	if d.typ.mkfs == nil {
		return nil, nil
	}
	if d.dev() != providers.Unknown && exists(d.dev()) {
		if sig, err := d.signature(ctx); err != nil || !sig.empty() {
			return nil, err
		}
	}
	return d.mkfsSteps(), nil
}

func (d *driver) mkfsSteps() []step {
	argv := append([]string(nil), d.typ.mkfs...)
	argv = append(argv, d.r.Strings("mkfs_opt")...)
	return []step{{argv: append(argv, d.dev())}}
}

// wipeSteps erase the filesystem signatures of dev, when it has any.
func (d *driver) wipeSteps(ctx context.Context) ([]step, error) {
	if d.typ.mkfs == nil || d.dev() == providers.Unknown || !exists(d.dev()) {
		return nil, nil
	}
	sig, err := d.signature(ctx)
	if err != nil || sig.empty() {
		return nil, err
	}
	return []step{{argv: []string{"wipefs", "-a", d.dev()}}}, nil
}
