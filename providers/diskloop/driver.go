package diskloop

import (
	"cmp"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/omhcl/omhcl/providers"
	"github.com/zclconf/go-cty/cty"
)

// detachWait bounds how long Stop waits for the kernel to release a loop
// device after losetup -d (a device still open is only detached on close).
var detachWait = 2 * time.Second

var (
	_ providers.AttrChecker  = (*driver)(nil)
	_ providers.ExistChecker = (*driver)(nil)
)

type driver struct {
	r *providers.Resource
}

func (d *driver) file() string { return d.r.Str("file") }

// devices lists the loop devices attached to the file; none when the file is
// not known yet.
func (d *driver) devices() ([]string, error) {
	if d.file() == providers.Unknown {
		return nil, nil
	}
	return attachedDevices(d.file())
}

// dir is the directory of the backing file, Unknown with the file.
func (d *driver) dir() string {
	if d.file() == providers.Unknown {
		return providers.Unknown
	}
	return filepath.Dir(d.file())
}

func (d *driver) fileExists() bool {
	_, err := os.Stat(d.file())
	return err == nil
}

func (d *driver) Status(ctx context.Context) providers.Status {
	if d.file() == providers.Unknown {
		return providers.Status{State: providers.Down, Messages: []string{"backing file is known after apply"}}
	}
	if !d.fileExists() {
		return providers.Status{State: providers.Down, Messages: []string{fmt.Sprintf("backing file %s does not exist", d.file())}}
	}
	devs, err := d.devices()
	if err != nil {
		return providers.Status{State: providers.Undef, Messages: []string{fmt.Sprintf("list loop devices: %v", err)}}
	}
	if len(devs) == 0 {
		return providers.Status{State: providers.Down}
	}
	return providers.Status{State: providers.Up}
}

func (d *driver) Exposed(ctx context.Context) map[string]cty.Value {
	devs, err := d.devices()
	if err != nil || len(devs) == 0 {
		return map[string]cty.Value{"exposed_devs": cty.UnknownVal(cty.List(cty.String))}
	}
	vals := make([]cty.Value, len(devs))
	for i, dev := range devs {
		vals[i] = cty.StringVal(dev)
	}
	return map[string]cty.Value{"exposed_devs": cty.ListVal(vals)}
}

func (d *driver) Describe() string {
	s := "loop " + d.file()
	if devs, err := d.devices(); err == nil && len(devs) > 0 {
		s += " " + strings.Join(devs, " ")
	}
	return s
}

func (d *driver) Start(ctx context.Context, log *providers.Log) error {
	if devs, err := d.devices(); err == nil && len(devs) > 0 {
		log.Info("%s is already up", d.Describe())
		return nil
	}
	if !d.fileExists() {
		return fmt.Errorf("%s: backing file %s does not exist (provision creates it)", d.r.RID(), d.file())
	}
	return providers.RunEach(ctx, log, providers.Run, [][]string{d.attachCmd()})
}

func (d *driver) Stop(ctx context.Context, log *providers.Log) error {
	devs, _ := d.devices()
	if len(devs) == 0 {
		log.Info("%s is already down", d.Describe())
		return nil
	}
	var cmds [][]string
	for _, dev := range devs {
		cmds = append(cmds, []string{"losetup", "-d", dev})
	}
	if err := providers.RunEach(ctx, log, providers.Run, cmds); err != nil {
		return err
	}
	return d.waitDetached(ctx)
}

func (d *driver) Provision(ctx context.Context, log *providers.Log) error {
	if d.fileExists() {
		log.Info("%s already exists, skip create", d.file())
		return nil
	}
	cmds, err := d.createCmds()
	if err != nil {
		return err
	}
	return providers.RunEach(ctx, log, providers.Run, cmds)
}

func (d *driver) Unprovision(ctx context.Context, log *providers.Log) error {
	if err := d.Stop(ctx, log); err != nil {
		return err
	}
	if !d.fileExists() {
		log.Info("%s is already removed", d.file())
		return nil
	}
	return providers.RunEach(ctx, log, providers.Run, [][]string{d.removeCmd()})
}

// Operations derives the lines from the attributes alone. The device stop
// detaches is named, not looked up. Unprovision lists only the removal: a
// plan stops an attached loop first, so Unprovision's own stop finds
// nothing left to detach.
func (d *driver) Operations(ctx context.Context, a providers.Action) []string {
	switch a {
	case providers.ActStart:
		return providers.CommandLines(d.attachCmd())
	case providers.ActStop:
		dev := providers.Unknown
		if d.file() != providers.Unknown {
			dev = "(the loop device of " + d.file() + ")"
		}
		return []string{"losetup -d " + dev}
	case providers.ActProvision:
		lines := providers.CommandLines(d.createCmdsOf(cmp.Or(d.size(), "(size not set)"))...)
		what := d.file()
		if what == providers.Unknown {
			what = "the file"
		}
		lines[len(lines)-1] += " (skipped when " + what + " exists)"
		return lines
	case providers.ActUnprovision:
		return providers.CommandLines(d.removeCmd())
	}
	return nil
}

func (d *driver) attachCmd() []string { return []string{"losetup", "-f", "--show", d.file()} }

// createCmds make the backing file, and its directory (mkdir -p does
// nothing when it exists).
func (d *driver) createCmds() ([][]string, error) {
	size := d.size()
	if size == "" {
		return nil, fmt.Errorf("%s: %w", d.r.RID(), d.noSize())
	}
	return d.createCmdsOf(size), nil
}

// size is the size attribute as truncate is given it.
func (d *driver) size() string {
	s := d.r.Str("size")
	if s != "" && s != providers.Unknown {
		s = canonicalSize(s)
	}
	return s
}

func (d *driver) createCmdsOf(size string) [][]string {
	return [][]string{{"mkdir", "-p", d.dir()}, {"truncate", "-s", size, d.file()}}
}

func (d *driver) noSize() *providers.AttrError {
	return providers.Invalid("size", "size is required to create %s, which does not exist on node %s", d.file(), d.r.Node)
}

// CheckAttrs fails a plan that creates the backing file without a size.
func (d *driver) CheckAttrs(ctx context.Context, c providers.Check) []*providers.AttrError {
	if c.Has(providers.ActProvision) && d.size() == "" {
		return []*providers.AttrError{d.noSize()}
	}
	return nil
}

// Exists reports whether the backing file is there already, which
// Provision leaves as it is.
func (d *driver) Exists(ctx context.Context) bool {
	return d.file() != providers.Unknown && d.fileExists()
}

func (d *driver) removeCmd() []string { return []string{"rm", "-f", d.file()} }

// waitDetached waits for the devices to leave the file: losetup -d on a
// device still open (mounted) only marks it for release on last close.
func (d *driver) waitDetached(ctx context.Context) error {
	deadline := time.Now().Add(detachWait)
	for {
		devs, err := d.devices()
		if err != nil {
			return fmt.Errorf("%s: list loop devices: %w", d.r.RID(), err)
		}
		if len(devs) == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s: %s still attached to %s after losetup -d: the device is in use (mounted?)", d.r.RID(), strings.Join(devs, " "), d.file())
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}
