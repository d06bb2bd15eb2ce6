package clusterlab

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Down removes the whole lab: every process in its namespaces killed, the
// namespaces deleted, anything mounted or loop-attached from under its
// root undone, and the root directory removed. It goes on after an error
// and returns them all.
func (r *Rig) Down() error {
	var errs []error
	nss := []string{r.Client}
	for _, n := range r.Nodes {
		nss = append(nss, n.NS)
	}
	nss = append(nss, r.Switch)
	for _, ns := range nss {
		if !nsExists(ns) {
			continue
		}
		if err := killNS(ns); err != nil {
			errs = append(errs, err)
		}
		if n := r.nodeOfNS(ns); n != nil {
			errs = append(errs, r.killContainers(n), r.removeCgroups(n))
		}
		if _, err := runCmd("ip", "netns", "del", ns); err != nil {
			errs = append(errs, err)
		}
	}
	r.addrs.close()
	errs = append(errs, unmountUnder(r.Root), detachLoopsUnder(r.Root))
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("lab %s down: %w (%s left in place)", r.Prefix, err, r.Root)
	}
	r.log("lab %s down", r.Prefix)
	return os.RemoveAll(r.Root)
}

func nsExists(ns string) bool {
	_, err := os.Stat("/run/netns/" + ns)
	return err == nil
}

// unmountUnder unmounts every mount point below root, deepest first.
func unmountUnder(root string) error {
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return err
	}
	defer f.Close()
	prefix := filepath.Clean(root) + "/"
	var points []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) > 4 && strings.HasPrefix(unescapeMount(fields[4]), prefix) {
			points = append(points, unescapeMount(fields[4]))
		}
	}
	var errs []error
	for i := len(points) - 1; i >= 0; i-- {
		if _, err := runCmd("umount", points[i]); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// unescapeMount decodes mountinfo's octal escapes (\040 for a space).
func unescapeMount(s string) string {
	r := strings.NewReplacer(`\040`, " ", `\011`, "\t", `\012`, "\n", `\134`, `\`)
	return r.Replace(s)
}

// detachLoopsUnder detaches the loop devices whose backing file is below root.
func detachLoopsUnder(root string) error {
	out, err := runCmd("losetup", "--list", "--noheadings", "--output", "NAME,BACK-FILE")
	if err != nil {
		return nil // no loop support: nothing can be attached
	}
	prefix := filepath.Clean(root) + "/"
	var errs []error
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		if len(f) == 2 && strings.HasPrefix(f[1], prefix) {
			if _, err := runCmd("losetup", "-d", f[0]); err != nil {
				errs = append(errs, err)
			}
		}
	}
	return errors.Join(errs...)
}
