package fs

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"time"

	"github.com/omhcl/omhcl/providers"
)

// e2fsck exit status bits (e2fsck(8)).
const (
	fsckCorrected   = 1 // errors corrected: fine to mount
	fsckReboot      = 2 // errors corrected, reboot advised: only matters for /
	fsckOperational = 8 // e2fsck could not run (the device in use, ...)
)

// fsckBusyWait bounds how long a device held open by another process is
// waited for: scanners (blkid, lvm, udev) open every block device for a
// moment, and e2fsck opens it exclusively.
const fsckBusyWait = 2 * time.Second

// fsck runs e2fsck -p and reads its exit status as a bit mask: corrected
// errors are fine, a reboot advice is a warning, anything else (errors
// left, operational error) stops the start before mount.
func (d *driver) fsck(ctx context.Context, log *providers.Log, argv []string) error {
	deadline := time.Now().Add(fsckBusyWait)
	for {
		out, err := providers.Run(ctx, log, argv...)
		var exit *exec.ExitError
		if err == nil || !errors.As(err, &exit) {
			return err
		}
		code := exit.ExitCode()
		inUse := code&fsckOperational != 0 && strings.Contains(out, "is in use")
		if inUse && time.Now().Before(deadline) {
			log.Info("%s is held open by another process: e2fsck again in 200ms", d.dev())
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(200 * time.Millisecond):
			}
			continue
		}
		switch {
		case inUse:
			return fmt.Errorf("%s: %s is in use by another process (mounted elsewhere?), e2fsck -p cannot check it: %w", d.r.RID(), d.dev(), err)
		case code&^(fsckCorrected|fsckReboot) != 0:
			return fmt.Errorf("%s: %s needs a manual repair, e2fsck -p exited %d: %w", d.r.RID(), d.dev(), code, err)
		case code&fsckReboot != 0:
			log.Info("warn: e2fsck corrected errors on %s and advises a reboot (exit %d), mounting anyway", d.dev(), code)
		}
		return nil
	}
}
