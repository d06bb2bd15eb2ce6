package disklv

import (
	"context"
	"fmt"
	"strings"

	"github.com/omhcl/omhcl/providers"
	"github.com/omhcl/omhcl/providers/diskvg"
	"github.com/zclconf/go-cty/cty"
)

type driver struct {
	r *providers.Resource
	// run and probe reach LVM; tests replace them because this kernel has
	// no device-mapper and cannot create or activate a logical volume.
	run   runFunc
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
// activation state ("-wi-a-----" is active). Not known yet reads as absent.
func (d *driver) state(ctx context.Context) (lvState, error) {
	if !d.known() {
		return lvState{}, nil
	}
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
	if err != nil {
		return err
	}
	if !st.exists {
		return fmt.Errorf("%s: lv %s not found (provision creates it)", d.r.RID(), d.path())
	}
	return d.runOrSay(ctx, log, d.startCmds(st), "%s is already up", d.Describe())
}

func (d *driver) Stop(ctx context.Context, log *providers.Log) error {
	st, err := d.state(ctx)
	if err != nil {
		return err
	}
	if !st.exists {
		log.Info("lv %s not found, nothing to stop", d.path())
		return nil
	}
	return d.runOrSay(ctx, log, d.stopCmds(st), "%s is already down", d.Describe())
}

func (d *driver) Provision(ctx context.Context, log *providers.Log) error {
	st, err := d.state(ctx)
	if err != nil {
		return err
	}
	cmds, err := d.provisionCmds(st)
	if err != nil {
		return err
	}
	return d.runOrSay(ctx, log, cmds, "lv %s already exists, skip create", d.path())
}

func (d *driver) Unprovision(ctx context.Context, log *providers.Log) error {
	st, err := d.state(ctx)
	if err != nil {
		return err
	}
	return d.runOrSay(ctx, log, d.unprovisionCmds(st), "lv %s is already removed", d.path())
}

func (d *driver) Operations(ctx context.Context, a providers.Action) []string {
	st, err := d.state(ctx)
	var cmds [][]string
	switch {
	case err != nil:
	case a == providers.ActStart:
		cmds = d.startCmds(st)
	case a == providers.ActStop:
		cmds = d.stopCmds(st)
	case a == providers.ActProvision:
		cmds, err = d.provisionCmds(st)
	case a == providers.ActUnprovision:
		cmds = d.unprovisionCmds(st)
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

func (d *driver) startCmds(st lvState) [][]string {
	if st.active {
		return nil
	}
	return [][]string{{"lvchange", "-a", "y", d.path()}}
}

func (d *driver) stopCmds(st lvState) [][]string {
	if !st.active {
		return nil
	}
	return [][]string{{"lvchange", "-a", "n", d.path()}}
}

// provisionCmds create the volume: -L for an absolute size, -l for a share
// of the VG ("50%FREE").
func (d *driver) provisionCmds(st lvState) ([][]string, error) {
	if st.exists {
		return nil, nil
	}
	size := d.r.Str("size")
	if size == "" {
		return nil, fmt.Errorf("%s: size is required to create lv %s", d.r.RID(), d.path())
	}
	flag := "-L"
	if strings.Contains(size, "%") {
		flag = "-l"
	}
	return [][]string{{"lvcreate", "-n", d.r.Str("name"), flag, size, d.r.Str("vg")}}, nil
}

func (d *driver) unprovisionCmds(st lvState) [][]string {
	if !st.exists {
		return nil
	}
	return append(d.stopCmds(st), []string{"lvremove", "-f", d.path()})
}

// runOrSay runs cmds, or logs the remark when there is nothing to do.
func (d *driver) runOrSay(ctx context.Context, log *providers.Log, cmds [][]string, format string, args ...any) error {
	if len(cmds) == 0 {
		log.Info(format, args...)
		return nil
	}
	for _, c := range cmds {
		if _, err := d.run(ctx, log, c...); err != nil {
			return err
		}
	}
	return nil
}
