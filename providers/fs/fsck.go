package fs

import (
	"context"
	"errors"
	"fmt"
	"os/exec"

	"github.com/omhcl/omhcl/providers"
)

// e2fsck exit status bits (e2fsck(8)).
const (
	fsckCorrected = 1 // errors corrected: fine to mount
	fsckReboot    = 2 // errors corrected, reboot advised: only matters for /
)

// fsck runs e2fsck -p and reads its exit status as a bit mask: corrected
// errors are fine, a reboot advice is a warning, anything else (errors
// left, operational error) stops the start before mount.
func (d *driver) fsck(ctx context.Context, log *providers.Log, argv []string) error {
	_, err := providers.Run(ctx, log, argv...)
	var exit *exec.ExitError
	if err == nil || !errors.As(err, &exit) {
		return err
	}
	code := exit.ExitCode()
	if code&^(fsckCorrected|fsckReboot) != 0 {
		return fmt.Errorf("%s: %s needs a manual repair, e2fsck -p exited %d: %w", d.r.RID(), d.dev(), code, err)
	}
	if code&fsckReboot != 0 {
		log.Info("warn: e2fsck corrected errors on %s and advises a reboot (exit %d), mounting anyway", d.dev(), code)
	}
	return nil
}
