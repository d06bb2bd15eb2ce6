package disklv

import (
	"cmp"
	"context"
	"fmt"
	"strings"

	"github.com/omhcl/omhcl/providers"
	"github.com/omhcl/omhcl/providers/diskvg"
	"github.com/zclconf/go-cty/cty"
)

var (
	_ providers.AttrChecker  = (*driver)(nil)
	_ providers.ExistChecker = (*driver)(nil)
)

type driver struct {
	r *providers.Resource
	// run and probe reach LVM; tests replace them because this kernel has
	// no device-mapper and cannot create or activate a logical volume.
	run   providers.Runner
	probe probeFunc
}

// lvState is what LVM says of the logical volume now.
type lvState struct {
	exists bool
	active bool
}

// path is VG/NAME, how LVM commands name the volume.
func (d *driver) path() string { return d.r.Str("vg") + "/" + d.r.Str("name") }

func (d *driver) known() bool {
	return d.r.Str("vg") != providers.Unknown && d.r.Str("name") != providers.Unknown
}

func (d *driver) Describe() string { return "lv " + d.path() }

// state reads the volume's attributes; the fifth lv_attr character is its
// activation state ("-wi-a-----" is active).
func (d *driver) state(ctx context.Context) (lvState, error) {
	out, err := d.probe(ctx, "lvs", "--noheadings", "-o", "lv_attr", d.path())
	if diskvg.NotFound(err) {
		return lvState{}, nil
	}
	if err != nil {
		return lvState{}, fmt.Errorf("%s: read lv %s: %w", d.r.RID(), d.path(), err)
	}
	attr := strings.TrimSpace(out)
	return lvState{exists: true, active: len(attr) >= 5 && attr[4] == 'a'}, nil
}

func (d *driver) Status(ctx context.Context) providers.Status {
	if !d.known() {
		return providers.Status{State: providers.Down, Messages: []string{"lv is known after apply"}}
	}
	st, err := d.state(ctx)
	switch {
	case err != nil:
		return providers.Status{State: providers.Undef, Messages: []string{err.Error()}}
	case !st.exists:
		return providers.Status{State: providers.Down, Messages: []string{fmt.Sprintf("lv %s not found", d.path())}}
	case st.active:
		return providers.Status{State: providers.Up}
	}
	return providers.Status{State: providers.Down}
}

func (d *driver) Exposed(ctx context.Context) map[string]cty.Value {
	if !d.known() {
		return map[string]cty.Value{"exposed_devs": cty.UnknownVal(cty.List(cty.String))}
	}
	return map[string]cty.Value{"exposed_devs": cty.ListVal([]cty.Value{cty.StringVal("/dev/" + d.path())})}
}

func (d *driver) Start(ctx context.Context, log *providers.Log) error {
	st, err := d.state(ctx)
	switch {
	case err != nil:
		return err
	case !st.exists:
		return fmt.Errorf("%s: lv %s not found (provision creates it)", d.r.RID(), d.path())
	case st.active:
		log.Info("%s is already up", d.Describe())
		return nil
	}
	return d.runAll(ctx, log, d.activateCmd("y"))
}

func (d *driver) Stop(ctx context.Context, log *providers.Log) error {
	st, err := d.state(ctx)
	switch {
	case err != nil:
		return err
	case !st.exists:
		log.Info("lv %s not found, nothing to stop", d.path())
		return nil
	case !st.active:
		log.Info("%s is already down", d.Describe())
		return nil
	}
	return d.runAll(ctx, log, d.activateCmd("n"))
}

func (d *driver) Provision(ctx context.Context, log *providers.Log) error {
	st, err := d.state(ctx)
	switch {
	case err != nil:
		return err
	case st.exists:
		log.Info("lv %s already exists, skip create", d.path())
		return nil
	}
	cmd, err := d.createCmd()
	if err != nil {
		return err
	}
	return d.runAll(ctx, log, cmd)
}

// Unprovision deactivates the volume when it is active, then removes it.
func (d *driver) Unprovision(ctx context.Context, log *providers.Log) error {
	st, err := d.state(ctx)
	switch {
	case err != nil:
		return err
	case !st.exists:
		log.Info("lv %s is already removed", d.path())
		return nil
	case st.active:
		return d.runAll(ctx, log, d.activateCmd("n"), d.removeCmd())
	}
	return d.runAll(ctx, log, d.removeCmd())
}

// Operations derives the lines from the attributes alone. Unprovision does
// not repeat the deactivation a plan runs first as the stop.
func (d *driver) Operations(ctx context.Context, a providers.Action) []string {
	var cmd []string
	switch a {
	case providers.ActStart:
		cmd = d.activateCmd("y")
	case providers.ActStop:
		cmd = d.activateCmd("n")
	case providers.ActProvision:
		cmd = d.lvcreateCmd(cmp.Or(d.r.Str("size"), "(size not set)"))
	case providers.ActUnprovision:
		cmd = d.removeCmd()
	default:
		return nil
	}
	return providers.CommandLines(cmd)
}

// activateCmd sets the activation: "y" or "n".
func (d *driver) activateCmd(yn string) []string { return []string{"lvchange", "-a", yn, d.path()} }

func (d *driver) removeCmd() []string { return []string{"lvremove", "-f", d.path()} }

// createCmd creates the volume: -L for an absolute size, -l for a share
// of the VG ("50%FREE").
func (d *driver) createCmd() ([]string, error) {
	size := d.r.Str("size")
	if size == "" {
		return nil, fmt.Errorf("%s: %w", d.r.RID(), d.noSize())
	}
	return d.lvcreateCmd(size), nil
}

func (d *driver) lvcreateCmd(size string) []string {
	flag := "-L"
	if strings.Contains(size, "%") {
		flag = "-l"
	}
	return []string{"lvcreate", "-n", d.r.Str("name"), flag, size, d.r.Str("vg")}
}

func (d *driver) noSize() *providers.AttrError {
	return providers.Invalid("size", "size is required to create lv %s, which does not exist on node %s", d.path(), d.r.Node)
}

// CheckAttrs fails a plan that creates the volume without a size.
func (d *driver) CheckAttrs(ctx context.Context, c providers.Check) []*providers.AttrError {
	if c.Has(providers.ActProvision) && d.r.Str("size") == "" {
		return []*providers.AttrError{d.noSize()}
	}
	return nil
}

// Exists reports whether the volume is there already, which Provision
// leaves as it is.
func (d *driver) Exists(ctx context.Context) bool {
	if !d.known() {
		return false
	}
	st, err := d.state(ctx)
	return err == nil && st.exists
}

// runAll runs cmds in order, stopping at the first failure.
func (d *driver) runAll(ctx context.Context, log *providers.Log, cmds ...[]string) error {
	return providers.RunEach(ctx, log, d.run, cmds)
}
