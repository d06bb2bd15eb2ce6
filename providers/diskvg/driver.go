package diskvg

import (
	"context"
	"fmt"
	"strings"

	"github.com/omhcl/omhcl/providers"
	"github.com/zclconf/go-cty/cty"
)

var (
	_ providers.AttrChecker  = (*driver)(nil)
	_ providers.ExistChecker = (*driver)(nil)
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
	if err := d.requireNode(); err != nil {
		return err
	}
	st, err := d.state(ctx)
	switch {
	case err != nil:
		return err
	case !st.exists:
		return fmt.Errorf("%s: vg %s not found (provision creates it)", d.r.RID(), d.name())
	case st.owned(d.r.Node):
		log.Info("%s is already up", d.Describe())
		return nil
	}
	var foreign []string
	for _, t := range st.foreign(d.r.Node) {
		foreign = append(foreign, tagArg(t))
	}
	return providers.RunEach(ctx, log, Run, d.startCmds(foreign))
}

func (d *driver) Stop(ctx context.Context, log *providers.Log) error {
	st, err := d.state(ctx)
	switch {
	case err != nil:
		return err
	case !st.exists:
		log.Info("vg %s not found, nothing to stop", d.name())
		return nil
	case !st.owned(d.r.Node):
		log.Info("%s is already down", d.Describe())
		return nil
	}
	return providers.RunEach(ctx, log, Run, d.stopCmds())
}

func (d *driver) Provision(ctx context.Context, log *providers.Log) error {
	st, err := d.state(ctx)
	switch {
	case err != nil:
		return err
	case st.exists:
		log.Info("vg %s already exists, skip create", d.name())
		return nil
	}
	pvs, err := d.requirePVs()
	if err != nil {
		return err
	}
	var cmds [][]string
	for _, pv := range pvs {
		if !d.isPV(ctx, pv) {
			cmds = append(cmds, []string{"pvcreate", pv})
		}
	}
	return providers.RunEach(ctx, log, Run, append(cmds, d.vgcreateCmd(pvs)))
}

// Unprovision stops and removes the VG, then wipes the PV labels of its
// pvs (the pvs attribute, or the VG's own PVs when it is not set).
func (d *driver) Unprovision(ctx context.Context, log *providers.Log) error {
	st, err := d.state(ctx)
	if err != nil {
		return err
	}
	pvs := d.pvs()
	var cmds [][]string
	if st.exists {
		if len(pvs) == 0 {
			pvs = d.vgPVs(ctx)
		}
		if st.owned(d.r.Node) {
			cmds = d.stopCmds()
		}
		cmds = append(cmds, d.vgremoveCmd())
	}
	for _, pv := range pvs {
		if d.isPV(ctx, pv) {
			cmds = append(cmds, []string{"pvremove", pv})
		}
	}
	if len(cmds) == 0 {
		log.Info("vg %s is already removed", d.name())
		return nil
	}
	return providers.RunEach(ctx, log, Run, cmds)
}

// Operations derives the lines from the attributes alone: what only LVM
// knows (other nodes' tags, the VG's own PVs) is named, not looked up.
// Unprovision does not repeat the stop a plan runs first.
func (d *driver) Operations(ctx context.Context, a providers.Action) []string {
	var cmds [][]string
	var err error
	switch a {
	case providers.ActStart:
		if err = d.requireNode(); err == nil {
			cmds = d.startCmds([]string{"(tags of other nodes, if any)"})
		}
	case providers.ActStop:
		if err = d.requireNode(); err == nil {
			cmds = d.stopCmds()
		}
	case providers.ActProvision:
		return d.provisionLines()
	case providers.ActUnprovision:
		pvs := d.pvs()
		if len(pvs) == 0 {
			pvs = []string{"(the physical volumes of " + d.name() + ")"}
		}
		cmds = [][]string{d.vgremoveCmd()}
		for _, pv := range pvs {
			cmds = append(cmds, []string{"pvremove", pv})
		}
	}
	if err != nil {
		return []string{"error: " + err.Error()}
	}
	return providers.CommandLines(cmds...)
}

// provisionLines are the provision operations: pvcreate only labels a
// device that is not a PV yet. Without pvs, CheckAttrs fails the plan.
func (d *driver) provisionLines() []string {
	pvs := d.pvs()
	if len(pvs) == 0 {
		return []string{strings.Join(d.vgcreateCmd([]string{"(pvs not set)"}), " ")}
	}
	var lines []string
	for _, pv := range pvs {
		lines = append(lines, "pvcreate "+pv+" (skipped when already a PV)")
	}
	return append(lines, strings.Join(d.vgcreateCmd(pvs), " "))
}

// startCmds take the VG over from other nodes (their tags as written on
// the command line), tag it for this one and activate it.
func (d *driver) startCmds(foreignTags []string) [][]string {
	var cmds [][]string
	for _, t := range foreignTags {
		cmds = append(cmds, []string{"vgchange", "--deltag", t, d.name()})
	}
	return append(cmds,
		[]string{"vgchange", "--addtag", tagArg(d.r.Node), d.name()},
		[]string{"vgchange", "-a", "y", d.name()})
}

func (d *driver) stopCmds() [][]string {
	return [][]string{
		{"vgchange", "-a", "n", d.name()},
		{"vgchange", "--deltag", tagArg(d.r.Node), d.name()},
	}
}

func (d *driver) vgremoveCmd() []string { return []string{"vgremove", "-f", d.name()} }

func (d *driver) vgcreateCmd(pvs []string) []string {
	return append([]string{"vgcreate", d.name()}, pvs...)
}

// requireNode fails when there is no node name to tag the VG with.
func (d *driver) requireNode() error {
	if d.r.Node == "" {
		return fmt.Errorf("%s: no node name to tag vg %s with", d.r.RID(), d.name())
	}
	return nil
}

// requirePVs returns the pvs provision creates the VG on.
func (d *driver) requirePVs() ([]string, error) {
	pvs := d.pvs()
	if len(pvs) == 0 {
		return nil, fmt.Errorf("%s: %w", d.r.RID(), d.noPVs())
	}
	return pvs, nil
}

func (d *driver) noPVs() *providers.AttrError {
	return providers.Invalid("pvs", "pvs is required to create vg %s, which does not exist on node %s", d.name(), d.r.Node)
}

// CheckAttrs fails a plan that creates the VG without pvs to create it on.
func (d *driver) CheckAttrs(ctx context.Context, c providers.Check) []*providers.AttrError {
	if c.Has(providers.ActProvision) && len(d.pvs()) == 0 {
		return []*providers.AttrError{d.noPVs()}
	}
	return nil
}

// Exists reports whether the VG is there already, which Provision leaves
// as it is.
func (d *driver) Exists(ctx context.Context) bool {
	if d.name() == providers.Unknown {
		return false
	}
	st, err := d.state(ctx)
	return err == nil && st.exists
}

// pvs is the pvs attribute; a list not known yet reads as one unknown PV so
// plans show "(known after apply)".
func (d *driver) pvs() []string {
	if !d.r.Known("pvs") {
		return []string{providers.Unknown}
	}
	return d.r.Strings("pvs")
}
