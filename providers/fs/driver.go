package fs

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/omhcl/omhcl/providers"
	"github.com/zclconf/go-cty/cty"
)

type driver struct {
	r   *providers.Resource
	typ fsType
	// busyTries and busyDelay pace the umount retries of a busy mount
	// point: the delay grows by busyDelay after each try.
	busyTries int
	busyDelay time.Duration
}

func newDriver(r *providers.Resource, t fsType) *driver {
	return &driver{r: r, typ: t, busyTries: 3, busyDelay: 500 * time.Millisecond}
}

func (d *driver) mnt() string { return d.r.Str("mnt") }
func (d *driver) dev() string { return d.r.Str("dev") }

// source is what mount is given as the device: dev, or "tmpfs" for a
// tmpfs without one.
func (d *driver) source() string {
	if d.typ.noDev && d.dev() == "" {
		return d.typ.name
	}
	return d.dev()
}

// check is the check attribute, true unless set to false.
func (d *driver) check() bool {
	v, ok := d.r.Attrs["check"]
	if !ok || v.IsNull() || !v.IsKnown() || v.Type() != cty.Bool {
		return true
	}
	return v.True()
}

func (d *driver) Describe() string { return d.typ.name + " " + d.source() + "@" + d.mnt() }

// Exposed is empty: everything a reference needs (mnt, dev) is an attribute.
func (d *driver) Exposed(ctx context.Context) map[string]cty.Value { return map[string]cty.Value{} }

func (d *driver) Status(ctx context.Context) providers.Status {
	if d.mnt() == providers.Unknown {
		return providers.Status{State: providers.Down, Messages: []string{"mount point is known after apply"}}
	}
	st, err := d.state()
	switch {
	case err != nil:
		return providers.Status{State: providers.Undef, Messages: []string{err.Error()}}
	case st.ours:
		return providers.Status{State: providers.Up}
	case st.mounted:
		return providers.Status{State: providers.Warn, Messages: []string{fmt.Sprintf("%s is mounted from %s", d.mnt(), st.source)}}
	case !d.typ.noDev && d.dev() != providers.Unknown && !exists(d.dev()):
		return providers.Status{State: providers.Down, Messages: []string{fmt.Sprintf("dev %s does not exist", d.dev())}}
	}
	return providers.Status{State: providers.Down}
}

func (d *driver) Start(ctx context.Context, log *providers.Log) error {
	st, err := d.state()
	switch {
	case err != nil:
		return err
	case st.ours:
		log.Info("%s is already up", d.Describe())
		return nil
	case st.mounted:
		return fmt.Errorf("%s: %s is already mounted from %s", d.r.RID(), d.mnt(), st.source)
	case !d.typ.noDev && !exists(d.dev()):
		return fmt.Errorf("%s: dev %s does not exist", d.r.RID(), d.dev())
	}
	return runSteps(ctx, log, d.startSteps())
}

func (d *driver) Stop(ctx context.Context, log *providers.Log) error {
	st, err := d.state()
	switch {
	case err != nil:
		return err
	case !st.mounted:
		log.Info("%s is already down", d.Describe())
		return nil
	case !st.ours:
		log.Info("%s is mounted from %s, not %s: left alone", d.mnt(), st.source, d.source())
		return nil
	}
	return runSteps(ctx, log, d.stopSteps())
}

func (d *driver) Provision(ctx context.Context, log *providers.Log) error {
	if d.typ.mkfs == nil {
		log.Info("%s has nothing to provision", d.Describe())
		return nil
	}
	if !exists(d.dev()) {
		return fmt.Errorf("%s: dev %s does not exist", d.r.RID(), d.dev())
	}
	sig, err := d.signature(ctx)
	if err != nil {
		return err
	}
	if !sig.empty() {
		log.Info("%s already has %s, skip mkfs", d.dev(), sig.describe(d.typ.name))
		return nil
	}
	return runSteps(ctx, log, d.mkfsSteps())
}

func (d *driver) Unprovision(ctx context.Context, log *providers.Log) error {
	if err := d.Stop(ctx, log); err != nil || d.typ.mkfs == nil {
		return err // tmpfs and bind mounts have no device to wipe
	}
	sig := signature{}
	if exists(d.dev()) {
		var err error
		if sig, err = d.signature(ctx); err != nil {
			return err
		}
	}
	if sig.empty() {
		log.Info("%s holds no filesystem, nothing to wipe", d.source())
		return nil
	}
	return runSteps(ctx, log, d.wipeSteps())
}

// Operations derives the lines from the attributes alone, never from the
// mount table or blkid. Unprovision does not repeat the umount a plan
// runs first as the stop.
func (d *driver) Operations(ctx context.Context, a providers.Action) []string {
	switch a {
	case providers.ActStart:
		return render(d.startSteps())
	case providers.ActStop:
		return render(d.stopSteps())
	case providers.ActProvision:
		return render(d.mkfsSteps())
	case providers.ActUnprovision:
		return render(d.wipeSteps())
	}
	return nil
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}
