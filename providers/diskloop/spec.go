// Package diskloop is the disk.loop driver: a loop device attached to a
// backing file, the simplest block device a service can carry.
package diskloop

import (
	"path/filepath"

	"github.com/omhcl/omhcl/providers"
	"github.com/zclconf/go-cty/cty"
)

func init() { providers.Register(Spec) }

// Spec is the disk.loop driver spec.
var Spec = &providers.Spec{
	Kind: "disk",
	Type: "loop",
	Doc:  "A loop device attached to a backing file. Provision creates the file.",
	Attrs: []providers.AttrSpec{
		{Name: "file", Type: cty.String, Required: true, Doc: "Absolute path of the backing file."},
		{Name: "size", Type: cty.String, Doc: `Size of the backing file created by provision: "100m", "1g".`},
	},
	Exposed: []providers.AttrSpec{
		{Name: "exposed_devs", Type: cty.List(cty.String), Doc: `The loop device, ["/dev/loopN"], once attached.`},
	},
	Provisionable: true,
	New:           New,
}

// New checks the known attributes of r and returns its driver.
func New(r *providers.Resource) (providers.Driver, error) {
	d := &driver{r: r}
	var errs []*providers.AttrError
	if file := d.file(); file != providers.Unknown {
		if file == "" {
			errs = append(errs, providers.Invalid("file", "file is required"))
		} else if !filepath.IsAbs(file) {
			errs = append(errs, providers.Invalid("file", "file %q must be an absolute path", file))
		}
	}
	if size := r.Str("size"); size != "" && size != providers.Unknown {
		if _, err := ParseSize(size); err != nil {
			errs = append(errs, providers.Invalid("size", "%v", err))
		}
	}
	if err := providers.Refuse(r, errs); err != nil {
		return nil, err
	}
	return d, nil
}
