package diskvg

import (
	"context"
	"fmt"
	"strings"
)

// vgState is what LVM says of the volume group now.
type vgState struct {
	exists bool
	tags   []string
}

// state reads the VG's tags.
func (d *driver) state(ctx context.Context) (vgState, error) {
	out, err := d.probe(ctx, "vgs", "--noheadings", "-o", "vg_tags", d.name())
	if err != nil {
		if NotFound(err) {
			return vgState{}, nil
		}
		return vgState{}, fmt.Errorf("%s: read vg %s: %w", d.r.RID(), d.name(), err)
	}
	st := vgState{exists: true}
	for _, tag := range strings.Split(strings.TrimSpace(out), ",") {
		if tagRe.MatchString(tag) { // never act on a garbled line
			st.tags = append(st.tags, tag)
		}
	}
	return st, nil
}

// owned reports whether the VG carries node's tag.
func (s vgState) owned(node string) bool {
	for _, t := range s.tags {
		if t == node {
			return true
		}
	}
	return false
}

// foreign returns the tags other than node's: other nodes' ownership.
func (s vgState) foreign(node string) []string {
	var out []string
	for _, t := range s.tags {
		if t != node {
			out = append(out, t)
		}
	}
	return out
}

// lvNames lists the VG's logical volumes.
func (d *driver) lvNames(ctx context.Context) ([]string, error) {
	out, err := d.probe(ctx, "lvs", "--noheadings", "-o", "lv_name", d.name())
	if err != nil {
		return nil, err
	}
	return strings.Fields(out), nil
}

// isPV reports whether dev carries an LVM physical volume label.
func (d *driver) isPV(ctx context.Context, dev string) bool {
	_, err := d.probe(ctx, "pvs", "--noheadings", "-o", "pv_name", dev)
	return err == nil
}

// vgPVs lists the physical volumes the VG sits on.
func (d *driver) vgPVs(ctx context.Context) []string {
	out, err := d.probe(ctx, "vgs", "--noheadings", "-o", "pv_name", d.name())
	if err != nil {
		return nil
	}
	return strings.Fields(out)
}
