package diskvg

import (
	"context"
	"fmt"
	"strings"

	"github.com/omhcl/omhcl/providers"
	"github.com/zclconf/go-cty/cty"
)

type driver struct {
	r *providers.Resource
	// probe runs read-only LVM queries; tests replace it to fake states
	// this kernel cannot reach (a VG with LVs needs device-mapper).
	probe func(ctx context.Context, argv ...string) (string, error)
}

func (d *driver) name() string { return d.r.Str("name") }

// tagArg is the ownership tag as written on the command line. LVM drops a
// leading "@" (measured with lvm2 2.03), so "--addtag @demo1" stores the
// tag "demo1" and the log reads like OpenSVC's.
func tagArg(tag string) string { return "@" + tag }

func (d *driver) Describe() string { return "vg " + d.name() }

func (d *driver) Status(ctx context.Context) providers.Status {
	if d.name() == providers.Unknown {
		return providers.Status{State: providers.Down, Messages: []string{"vg name is known after apply"}}
	}
	st, err := d.state(ctx)
	if err != nil {
		return providers.Status{State: providers.Undef, Messages: []string{err.Error()}}
	}
	if !st.exists {
		return providers.Status{State: providers.Down, Messages: []string{fmt.Sprintf("vg %s not found", d.name())}}
	}
	var msgs []string
	if f := st.foreign(d.r.Node); len(f) > 0 {
		msgs = append(msgs, "tagged for "+strings.Join(f, ", "))
	}
	if st.owned(d.r.Node) {
		return providers.Status{State: providers.Up, Messages: msgs}
	}
	return providers.Status{State: providers.Down, Messages: msgs}
}

func (d *driver) Exposed(ctx context.Context) map[string]cty.Value {
	if d.name() == providers.Unknown {
		return map[string]cty.Value{"exposed_devs": cty.UnknownVal(cty.List(cty.String))}
	}
	lvs, _ := d.lvNames(ctx) // no VG, no LV: an empty list
	if len(lvs) == 0 {
		return map[string]cty.Value{"exposed_devs": cty.ListValEmpty(cty.String)}
	}
	vals := make([]cty.Value, len(lvs))
	for i, lv := range lvs {
		vals[i] = cty.StringVal("/dev/" + d.name() + "/" + lv)
	}
	return map[string]cty.Value{"exposed_devs": cty.ListVal(vals)}
}

func (d *driver) Start(ctx context.Context, log *providers.Log) error {
	st, err := d.state(ctx)
	if err != nil {
		return err
	}
	if !st.exists {
		return fmt.Errorf("%s: vg %s not found (provision creates it)", d.r.RID(), d.name())
	}
	if d.r.Node == "" {
		return fmt.Errorf("%s: no node name to tag vg %s with", d.r.RID(), d.name())
	}
	return d.runOrSay(ctx, log, d.startCmds(st), "%s is already up", d.Describe())
}

func (d *driver) Stop(ctx context.Context, log *providers.Log) error {
	st, err := d.state(ctx)
	if err != nil {
		return err
	}
	if !st.exists {
		log.Info("vg %s not found, nothing to stop", d.name())
		return nil
	}
	return d.runOrSay(ctx, log, d.stopCmds(st), "%s is already down", d.Describe())
}

func (d *driver) Provision(ctx context.Context, log *providers.Log) error {
	cmds, err := d.provisionCmds(ctx)
	if err != nil {
		return err
	}
	return d.runOrSay(ctx, log, cmds, "vg %s already exists, skip create", d.name())
}

func (d *driver) Unprovision(ctx context.Context, log *providers.Log) error {
	cmds, err := d.unprovisionCmds(ctx)
	if err != nil {
		return err
	}
	return d.runOrSay(ctx, log, cmds, "vg %s is already removed", d.name())
}

func (d *driver) Operations(ctx context.Context, a providers.Action) []string {
	var cmds [][]string
	st, err := d.state(ctx)
	switch {
	case err != nil:
	case a == providers.ActStart:
		cmds = d.startCmds(st)
	case a == providers.ActStop:
		cmds = d.stopCmds(st)
	case a == providers.ActProvision:
		cmds, err = d.provisionCmds(ctx)
	case a == providers.ActUnprovision:
		cmds, err = d.unprovisionCmds(ctx)
	}
	if err != nil {
		return []string{"error: " + err.Error()}
	}
	var out []string
	for _, c := range cmds {
		out = append(out, strings.Join(c, " "))
	}
	return out
}

// startCmds take the VG over from other nodes, tag it for this one and
// activate it; nothing when it is already this node's.
func (d *driver) startCmds(st vgState) [][]string {
	node := d.r.Node
	if st.owned(node) {
		return nil
	}
	var cmds [][]string
	for _, t := range st.foreign(node) {
		cmds = append(cmds, []string{"vgchange", "--deltag", tagArg(t), d.name()})
	}
	return append(cmds,
		[]string{"vgchange", "--addtag", tagArg(node), d.name()},
		[]string{"vgchange", "-a", "y", d.name()})
}

func (d *driver) stopCmds(st vgState) [][]string {
	if !st.exists || !st.owned(d.r.Node) {
		return nil
	}
	return [][]string{
		{"vgchange", "-a", "n", d.name()},
		{"vgchange", "--deltag", tagArg(d.r.Node), d.name()},
	}
}

// provisionCmds label the pvs that are not PVs yet and create the VG on
// them; nothing when the VG exists.
func (d *driver) provisionCmds(ctx context.Context) ([][]string, error) {
	st, err := d.state(ctx)
	if err != nil || st.exists {
		return nil, err
	}
	pvs := d.pvs()
	if len(pvs) == 0 {
		return nil, fmt.Errorf("%s: pvs is required to create vg %s", d.r.RID(), d.name())
	}
	var cmds [][]string
	for _, pv := range pvs {
		if !d.isPV(ctx, pv) {
			cmds = append(cmds, []string{"pvcreate", pv})
		}
	}
	return append(cmds, append([]string{"vgcreate", d.name()}, pvs...)), nil
}

// unprovisionCmds stop and remove the VG, then wipe the PV labels of its
// pvs (the pvs attribute, or the VG's own PVs when it is not set).
func (d *driver) unprovisionCmds(ctx context.Context) ([][]string, error) {
	st, err := d.state(ctx)
	if err != nil {
		return nil, err
	}
	pvs := d.pvs()
	var cmds [][]string
	if st.exists {
		if len(pvs) == 0 {
			pvs = d.vgPVs(ctx)
		}
		cmds = append(d.stopCmds(st), []string{"vgremove", "-f", d.name()})
	}
	for _, pv := range pvs {
		if d.isPV(ctx, pv) {
			cmds = append(cmds, []string{"pvremove", pv})
		}
	}
	return cmds, nil
}

// pvs is the pvs attribute; a list not known yet reads as one unknown PV so
// plans show "(known after apply)".
func (d *driver) pvs() []string {
	if !d.r.Known("pvs") {
		return []string{providers.Unknown}
	}
	return d.r.Strings("pvs")
}

// runOrSay runs cmds, or logs the remark when there is nothing to do.
func (d *driver) runOrSay(ctx context.Context, log *providers.Log, cmds [][]string, format string, args ...any) error {
	if len(cmds) == 0 {
		log.Info(format, args...)
		return nil
	}
	for _, c := range cmds {
		if _, err := Run(ctx, log, c...); err != nil {
			return err
		}
	}
	return nil
}
