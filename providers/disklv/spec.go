// Package disklv is the disk.lv driver: an LVM logical volume, activated
// on the node running the service.
package disklv

import (
	"context"
	"regexp"

	"github.com/omhcl/omhcl/providers"
	"github.com/omhcl/omhcl/providers/diskvg"
	"github.com/zclconf/go-cty/cty"
)

func init() { providers.Register(Spec) }

// Spec is the disk.lv driver spec.
var Spec = &providers.Spec{
	Kind: "disk",
	Type: "lv",
	Doc:  "An LVM logical volume. Start activates it, provision creates it.",
	Attrs: []providers.AttrSpec{
		{Name: "name", Type: cty.String, Required: true, Doc: "Logical volume name."},
		{Name: "vg", Type: cty.String, Required: true, Doc: "Volume group holding the logical volume."},
		{Name: "size", Type: cty.String, Doc: `Size provision creates the volume with: "100m", "2g", or a share of the VG like "50%FREE".`},
	},
	Exposed: []providers.AttrSpec{
		{Name: "exposed_devs", Type: cty.List(cty.String), Doc: "The device path, [\"/dev/VG/NAME\"]."},
	},
	Provisionable: true,
	New:           New,
}

var (
	// lvmNameRe is what LVM accepts as a VG or LV name; checking it also
	// keeps a name from being read as a command option.
	lvmNameRe = regexp.MustCompile(`^[A-Za-z0-9+_.][A-Za-z0-9+_.-]{0,126}$`)
	// sizeRe is an absolute size (lvcreate -L) ...
	sizeRe = regexp.MustCompile(`^[0-9]+(\.[0-9]+)?[bBsSkKmMgGtTpPeE]?$`)
	// ... and extentsRe a share of the VG, PVs or free space (lvcreate -l).
	extentsRe = regexp.MustCompile(`^[0-9]+%(FREE|VG|PVS|ORIGIN)$`)
)

// probeFunc runs a read-only query and returns its standard output.
type probeFunc func(ctx context.Context, argv ...string) (string, error)

// New checks the known attributes of r and returns its driver.
func New(r *providers.Resource) (providers.Driver, error) {
	return newDriver(r, diskvg.Run, diskvg.Probe)
}

func newDriver(r *providers.Resource, run providers.Runner, probe probeFunc) (*driver, error) {
	d := &driver{r: r, run: run, probe: probe}
	var errs []*providers.AttrError
	for _, attr := range []string{"name", "vg"} {
		if v := r.Str(attr); v != providers.Unknown && (!lvmNameRe.MatchString(v) || v == "." || v == "..") {
			errs = append(errs, providers.Invalid(attr, "invalid %s %q", attr, v))
		}
	}
	if size := r.Str("size"); size != "" && size != providers.Unknown && !sizeRe.MatchString(size) && !extentsRe.MatchString(size) {
		errs = append(errs, providers.Invalid("size", `invalid size %q: want an absolute size like "100m" or "2g", or a share like "50%%FREE"`, size))
	}
	if err := providers.Refuse(r, errs); err != nil {
		return nil, err
	}
	return d, nil
}
