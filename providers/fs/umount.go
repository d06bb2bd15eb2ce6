package fs

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/omhcl/omhcl/providers"
)

// maxHolders bounds the processes an error lists.
const maxHolders = 10

// umount unmounts, retrying while the mount point is busy (a process
// finishing its work in it) with a growing delay. When it stays busy the
// error names the processes holding it.
func (d *driver) umount(ctx context.Context, log *providers.Log, argv []string) error {
	for try := 1; ; try++ {
		out, err := providers.Run(ctx, log, argv...)
		if err == nil {
			return nil
		}
		if !strings.Contains(out, "busy") {
			return err
		}
		if try >= d.busyTries {
			held := ""
			if pids := holders(canonical(d.mnt())); len(pids) > 0 {
				held = ", held by " + strings.Join(pids, ", ")
			}
			return fmt.Errorf("%s: %s is still busy after %d tries%s: %w", d.r.RID(), d.mnt(), try, held, err)
		}
		delay := d.busyDelay * time.Duration(try)
		log.Info("%s is busy, retry in %s", d.mnt(), delay)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(delay):
		}
	}
}

// holders lists the processes whose working directory, root or an open
// file lies under dir, as "pid 123 (sleep)", by pid.
func holders(dir string) []string {
	procs, _ := filepath.Glob("/proc/[0-9]*")
	var pids []int
	for _, p := range procs {
		if pid, err := strconv.Atoi(filepath.Base(p)); err == nil && holds(p, dir) {
			pids = append(pids, pid)
		}
	}
	sort.Ints(pids)
	var out []string
	for i, pid := range pids {
		if i == maxHolders {
			return append(out, "...")
		}
		comm, _ := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid))
		out = append(out, fmt.Sprintf("pid %d (%s)", pid, strings.TrimSpace(string(comm))))
	}
	return out
}

func holds(proc, dir string) bool {
	links := []string{filepath.Join(proc, "cwd"), filepath.Join(proc, "root")}
	fds, _ := filepath.Glob(filepath.Join(proc, "fd", "*"))
	for _, l := range append(links, fds...) {
		if target, err := os.Readlink(l); err == nil && (target == dir || strings.HasPrefix(target, dir+"/")) {
			return true
		}
	}
	return false
}
