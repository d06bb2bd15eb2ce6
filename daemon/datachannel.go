package daemon

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/omhcl/omhcl/plan"
	"github.com/omhcl/omhcl/providers"
)

// authorizeData says what this node runs for a member's request through
// the data channel (package transport): the receiving end of a sync into
// this node, never the argv the member sent. The daemon keeps the policy:
// the request must write into the destination of a sync resource of a
// service this node takes part in (the driver reads the destination from
// its kind of request, ReceiveDst), which does not run here (only the
// node running a service syncs from it), and, when the destination is
// inside the mount point of one of the service's filesystems, that
// filesystem must be mounted here (the copy would fill the filesystem
// below it, often the root one). The driver then builds the command
// from this node's own copy of the resource (ReceiveCommand): sync.rsync
// the rsync --server its options make, sync.btrfs its om node
// btrfs-receive.
func (d *Daemon) authorizeData(node string, argv []string) ([]string, error) {
	if len(argv) > 0 && argv[0] == providers.MigrateVerb {
		return d.migrateInto(node, argv) // migrate.go
	}
	rcv, req, err := d.syncInto(argv)
	if err != nil {
		return nil, err
	}
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	req.Om = []string{self, "--state-dir", d.store.Root}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	return rcv.ReceiveCommand(ctx, req)
}

// syncInto finds the sync resource of this node whose driver takes argv
// as a request into one of its destinations, and refuses the write when
// its service runs here or the destination is in one of its unmounted
// filesystems.
func (d *Daemon) syncInto(argv []string) (providers.SyncReceiver, providers.SyncReceive, error) {
	cfg := d.currentConfig()
	dst, known := "", false
	var broken []string // sync resources here whose driver refuses their settings
	for _, svc := range cfg.Services {
		inst, diags := svc.Evaluate(d.opts.Node, nil)
		if diags.HasErrors() || inst == nil {
			continue
		}
		for _, r := range inst.Resources {
			if r.Kind != "sync" {
				continue
			}
			drv, err := plan.NewDriver(r)
			if err != nil {
				broken = append(broken, fmt.Sprintf("%s.%v", svc.Name, err))
				continue
			}
			rcv, ok := drv.(providers.SyncReceiver)
			if !ok {
				continue
			}
			to, ok, err := rcv.ReceiveDst(argv)
			if err != nil {
				return nil, providers.SyncReceive{}, err
			}
			if !ok {
				continue
			}
			dst, known = to, true
			if !slices.ContainsFunc(plan.SyncDsts(r), func(p string) bool { return filepath.Clean(p) == dst }) {
				continue
			}
			if d.runsHere(svc.Name) {
				return nil, providers.SyncReceive{}, fmt.Errorf("%s runs on %s: a sync never writes over the copy in use", svc.Name, d.opts.Node)
			}
			for _, fs := range inst.Resources {
				if mnt := fs.Str("mnt"); fs.Kind == "fs" && mnt != "" && within(dst, mnt) && !mounted(mnt) {
					return nil, providers.SyncReceive{}, fmt.Errorf("%s is in %s, the mount point of %s.%s, which is not mounted on %s: the copy would fill the filesystem below it", dst, mnt, svc.Name, fs.RID(), d.opts.Node)
				}
			}
			return rcv, providers.SyncReceive{Argv: argv, Dst: dst}, nil
		}
	}
	err := fmt.Errorf("%s is the destination of no sync of a service %s takes part in", dst, d.opts.Node)
	if !known {
		err = fmt.Errorf("only rsync --server and btrfs-receive run through the data channel, as the receiving end of a sync of a service %s takes part in", d.opts.Node)
	}
	if len(broken) > 0 {
		err = fmt.Errorf("%w (not counted, their settings refused here: %s)", err, strings.Join(broken, "; "))
	}
	return nil, providers.SyncReceive{}, err
}

// within reports whether path is dir or below it.
func within(path, dir string) bool {
	dir = filepath.Clean(dir)
	return path == dir || strings.HasPrefix(path, dir+"/")
}

// mounted reports whether a filesystem is mounted on dir.
func mounted(dir string) bool {
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return false
	}
	defer f.Close()
	dir = filepath.Clean(dir)
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if fields := strings.Fields(sc.Text()); len(fields) > 4 && unescapeMount(fields[4]) == dir {
			return true
		}
	}
	return false
}

// unescapeMount undoes mountinfo's octal escapes of blanks.
func unescapeMount(s string) string {
	return strings.NewReplacer(`\040`, " ", `\011`, "\t", `\012`, "\n", `\134`, `\`).Replace(s)
}
