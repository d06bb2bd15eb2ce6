// Package diskvg is the disk.vg driver: an LVM volume group a service owns
// on one node at a time. Ownership is an LVM tag named after the node, as
// in OpenSVC: start tags the VG for this node (removing other nodes' tags)
// and activates it, stop deactivates it and removes the tag.
package diskvg

import (
	"path/filepath"
	"regexp"

	"github.com/omhcl/omhcl/providers"
	"github.com/zclconf/go-cty/cty"
)

func init() { providers.Register(Spec) }

// Spec is the disk.vg driver spec.
var Spec = &providers.Spec{
	Kind: "disk",
	Type: "vg",
	Doc:  "An LVM volume group, owned by the node whose tag it carries. Provision creates it on pvs.",
	Attrs: []providers.AttrSpec{
		{Name: "name", Type: cty.String, Required: true, Doc: "Volume group name."},
		{Name: "pvs", Type: cty.List(cty.String), Doc: "Physical volumes (devices) provision creates the volume group on."},
	},
	Exposed: []providers.AttrSpec{
		{Name: "exposed_devs", Type: cty.List(cty.String), Doc: "The /dev/NAME/LV paths of the volume group's logical volumes."},
	},
	Provisionable: true,
	New:           New,
}

var (
	// vgNameRe is what LVM accepts as a VG name; checking it here also
	// keeps a name from being read as a command option.
	vgNameRe = regexp.MustCompile(`^[A-Za-z0-9+_.][A-Za-z0-9+_.-]{0,126}$`)
	// tagRe is what LVM accepts in a tag, so a node name must match it.
	tagRe = regexp.MustCompile(`^[A-Za-z0-9_+.\-/=!:&#]+$`)
)

// New checks the known attributes of r and returns its driver.
func New(r *providers.Resource) (providers.Driver, error) {
	d := &driver{r: r, probe: Probe}
	var errs []*providers.AttrError
	if name := d.name(); name != providers.Unknown && (!vgNameRe.MatchString(name) || name == "." || name == "..") {
		errs = append(errs, providers.Invalid("name", "invalid volume group name %q", name))
	}
	if r.Node != "" && (len(r.Node) > 1024 || !tagRe.MatchString(r.Node)) {
		errs = append(errs, providers.Invalid("", "node name %q cannot be an LVM tag", r.Node))
	}
	for _, pv := range r.Strings("pvs") {
		if !filepath.IsAbs(pv) {
			errs = append(errs, providers.Invalid("pvs", "pv %q must be an absolute device path", pv))
			break
		}
	}
	if err := providers.Refuse(r, errs); err != nil {
		return nil, err
	}
	return d, nil
}
