package daemon

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/omhcl/omhcl/plan"
)

// authorizeData accepts what a member may run here through the data
// channel (package peerssh): the receiving end of a sync, rsync in server
// mode, writing to where a sync resource of a service this node takes
// part in writes on this node. A member already holds the cluster
// secret: this keeps the channel to its purpose, and guards the node's
// disks: a destination inside the mount point of one of the service's
// filesystems is refused while that filesystem is not mounted here (the
// copy would fill the filesystem below, often the root one).
func (d *Daemon) authorizeData(node string, argv []string) error {
	if len(argv) < 3 || argv[0] != "rsync" || argv[1] != "--server" {
		return fmt.Errorf("only rsync --server runs through the data channel")
	}
	if slices.Contains(argv, "--sender") {
		return fmt.Errorf("syncs only send to this node, they never read from it")
	}
	dst := filepath.Clean(argv[len(argv)-1])
	if !filepath.IsAbs(dst) {
		return fmt.Errorf("destination %q is not an absolute path", dst)
	}
	cfg := d.currentConfig()
	for _, svc := range cfg.Services {
		inst, diags := svc.Evaluate(d.opts.Node, nil)
		if diags.HasErrors() || inst == nil {
			continue
		}
		for _, r := range inst.Resources {
			if r.Kind != "sync" || !slices.ContainsFunc(plan.SyncDsts(r), func(p string) bool { return within(dst, p) }) {
				continue
			}
			for _, fs := range inst.Resources {
				if mnt := fs.Str("mnt"); fs.Kind == "fs" && mnt != "" && within(dst, mnt) && !mounted(mnt) {
					return fmt.Errorf("%s is in %s, the mount point of %s.%s, which is not mounted on %s: the copy would fill the filesystem below it", dst, mnt, svc.Name, fs.RID(), d.opts.Node)
				}
			}
			return nil
		}
	}
	return fmt.Errorf("%s is the destination of no sync of a service %s takes part in", dst, d.opts.Node)
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
