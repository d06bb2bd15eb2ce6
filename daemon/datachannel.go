package daemon

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/omhcl/omhcl/lang"
	"github.com/omhcl/omhcl/plan"
	"github.com/omhcl/omhcl/providers"
	"github.com/omhcl/omhcl/providers/syncbtrfs"
)

// authorizeData accepts what a member may run here through the data
// channel (package peerssh): the receiving end of a sync, writing to
// where a sync resource of a service this node takes part in writes on
// this node: rsync in server mode (sync.rsync), or a btrfs-receive
// request (sync.btrfs), which runs this daemon's own receiving end. A
// member already holds the cluster secret: this keeps the channel to its
// purpose, and guards the node's data: a service running here is never
// written to (only the node running a service syncs from it), and a
// destination inside the mount point of one of the service's filesystems
// is refused while that filesystem is not mounted here (the copy would
// fill the filesystem below it, often the root one).
func (d *Daemon) authorizeData(node string, argv []string) ([]string, error) {
	if len(argv) > 0 && argv[0] == "btrfs-receive" {
		return d.authorizeBtrfs(argv)
	}
	dst, err := rsyncServerDest(argv)
	if err != nil {
		return nil, err
	}
	// within the destination as written, and once symbolic links are
	// followed: a link left in the synced data must not lead a sync out
	_, _, err = d.syncInto(dst, func(r *providers.Resource, p string) bool {
		return r.Type == "rsync" && within(dst, p) && within(resolved(dst), resolved(p))
	})
	return argv, err
}

// rsyncPathOptions are the rsync options that write, or read, elsewhere
// than the destination: a member must not reach past it through them.
var rsyncPathOptions = []string{"--sender", "--log-file", "--log-file-format", "--backup-dir", "--partial-dir",
	"--temp-dir", "--compare-dest", "--copy-dest", "--link-dest", "--files-from", "--write-batch",
	"--only-write-batch", "--read-batch", "--daemon", "--config", "--rsync-path"}

// rsyncServerDest checks argv is the receiving end rsync runs for a sync,
// "rsync --server OPTIONS . DEST", with none of the options that reach
// other paths, and returns DEST.
func rsyncServerDest(argv []string) (string, error) {
	if len(argv) < 4 || argv[0] != "rsync" || argv[1] != "--server" {
		return "", fmt.Errorf("only rsync --server and btrfs-receive run through the data channel")
	}
	var args []string
	for _, a := range argv[2:] {
		if !strings.HasPrefix(a, "-") {
			args = append(args, a)
			continue
		}
		name, _, _ := strings.Cut(a, "=")
		if slices.Contains(rsyncPathOptions, name) {
			return "", fmt.Errorf("rsync option %s is refused: a sync writes into its destination alone", name)
		}
	}
	if len(args) != 2 || args[0] != "." {
		return "", fmt.Errorf("rsync --server takes one destination after \".\", not %q", args)
	}
	dst := filepath.Clean(args[1])
	if !filepath.IsAbs(dst) {
		return "", fmt.Errorf("destination %q is not an absolute path", dst)
	}
	return dst, nil
}

// resolved is path with its symbolic links followed, as far as it
// exists; the rest, not made yet, as written.
func resolved(path string) string {
	rest := ""
	for p := filepath.Clean(path); ; p = filepath.Dir(p) {
		if real, err := filepath.EvalSymlinks(p); err == nil {
			return filepath.Join(real, rest)
		}
		if p == filepath.Dir(p) {
			return path
		}
		rest = filepath.Join(filepath.Base(p), rest)
	}
}

// authorizeBtrfs maps a btrfs-receive request to this node's receiving
// end, `om node btrfs-receive`, once its destination is one of a
// sync.btrfs here; keep is this node's.
func (d *Daemon) authorizeBtrfs(argv []string) ([]string, error) {
	rc, err := syncbtrfs.ParseRequest(argv)
	if err != nil {
		return nil, err
	}
	_, r, err := d.syncInto(rc.Dst, func(r *providers.Resource, p string) bool { return r.Type == "btrfs" && filepath.Clean(p) == rc.Dst })
	if err != nil {
		return nil, err
	}
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	keep := strconv.Itoa(syncbtrfs.Keep(r))
	return append([]string{self, "--state-dir", d.store.Root, "node", "btrfs-receive", "--keep", keep}, rc.Args()[1:]...), nil
}

// syncInto finds the service and sync resource of this node whose
// destination p matches dst, and refuses the write when that service
// runs here or dst is in one of its unmounted filesystems.
func (d *Daemon) syncInto(dst string, match func(r *providers.Resource, p string) bool) (*lang.Service, *providers.Resource, error) {
	cfg := d.currentConfig()
	for _, svc := range cfg.Services {
		inst, diags := svc.Evaluate(d.opts.Node, nil)
		if diags.HasErrors() || inst == nil {
			continue
		}
		for _, r := range inst.Resources {
			if r.Kind != "sync" || !slices.ContainsFunc(plan.SyncDsts(r), func(p string) bool { return match(r, p) }) {
				continue
			}
			if d.runsHere(svc.Name) {
				return nil, nil, fmt.Errorf("%s runs on %s: a sync never writes over the copy in use", svc.Name, d.opts.Node)
			}
			for _, fs := range inst.Resources {
				if mnt := fs.Str("mnt"); fs.Kind == "fs" && mnt != "" && within(dst, mnt) && !mounted(mnt) {
					return nil, nil, fmt.Errorf("%s is in %s, the mount point of %s.%s, which is not mounted on %s: the copy would fill the filesystem below it", dst, mnt, svc.Name, fs.RID(), d.opts.Node)
				}
			}
			return svc, r, nil
		}
	}
	return nil, nil, fmt.Errorf("%s is the destination of no sync of a service %s takes part in", dst, d.opts.Node)
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
