// Package vmlab gives container.kvm tests a bootable test guest: the host's
// Debian cloud kernel, and an initramfs of busybox-static, the virtio
// modules and Debian's qemu-ga, built here from what the host has installed
// (nothing downloaded). Its boot, in the guest's own /etc/omhcl/rc and
// /etc/omhcl/agent, is described in docs/containers-kvm.md ("The test
// guest").
//
// The image is built once per set of inputs and kept under os.TempDir(), in
// omhcl-vmlab-HASH: a test process reuses it, a changed input (kernel,
// busybox, qemu-ga or a library of it, an extra file, the guest's scripts)
// makes a new one. Concurrent builders each build in a directory of their
// own and rename it into place: the first wins, the others use it.
package vmlab

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// Socket is where the host's libvirtd answers (scripts/engines.sh starts it).
const Socket = "/run/libvirt/libvirt-sock"

// AgentChannel is the name of the virtio-serial port the guest's qemu-ga
// listens on: a libvirt <channel type='unix'> with <target type='virtio'
// name='org.qemu.guest_agent.0'/>, or qemu's virtserialport of that name.
const AgentChannel = "org.qemu.guest_agent.0"

// HookDir holds the guest's boot hooks: at boot, once eth0 and /data are
// up and before the agent starts, /etc/omhcl/rc runs every executable file
// there in name order, with OMHCL_HOSTNAME, OMHCL_IP (ADDR/LEN) and
// OMHCL_GW set from the command line (empty when not given). A hook must
// not block the boot: what runs on goes to the background. A failed hook
// is said on the console ("omhcl-guest: boot hook PATH failed") and the
// boot goes on. Tests add hooks through GuestOptions.Files
// ("/etc/omhcl-guest.d/50-web": a script starting busybox httpd).
const HookDir = "/etc/omhcl-guest.d"

// ReadyLine is what the guest prints on its console (ttyS0) once qemu-ga
// holds the agent channel open.
const ReadyLine = "omhcl-guest: ready"

// GuestOptions are what a test adds to the guest.
type GuestOptions struct {
	// Files are extra files, by their path in the guest, each copied from
	// a host path with its mode ("/usr/bin/om": the node's om binary, a
	// static Go binary). Parent directories are made. An executable file
	// under HookDir is a boot hook: the guest's boot runs it.
	Files map[string]string
	// Modules are kernel modules loaded at boot after the default ones
	// (virtio_pci, virtio_console, virtio_net, virtio_blk, button, evdev),
	// with their dependencies: names as modinfo knows them ("vsock").
	Modules []string
}

// Image is a built test guest. Its files are world-readable, under a
// world-searchable directory, so libvirt's qemu, which runs as
// libvirt-qemu, reads them as they are.
type Image struct {
	Dir           string // the cached build: omhcl-vmlab-HASH under os.TempDir()
	Kernel        string // the kernel, for <kernel> or qemu's -kernel
	Initrd        string // the initramfs (cpio newc, gzip), for <initrd> or -initrd
	KernelVersion string // the kernel's release, "6.1.0-57-cloud-amd64"
}

// Cmdline returns the kernel command line for a guest named hostname:
// console on ttyS0, quiet, and eth0 set to cidr ("198.18.0.10/24") and
// routed through gw when they are not empty.
func Cmdline(hostname, cidr, gw string) string {
	s := "console=ttyS0 quiet panic=-1 omhcl.hostname=" + hostname
	if cidr != "" {
		s += " omhcl.ip=" + cidr
	}
	if gw != "" {
		s += " omhcl.gw=" + gw
	}
	return s
}

var (
	mu    sync.Mutex
	built = map[string]Image{} // by GuestOptions, as optionsKey writes them
)

// Guest returns the test guest with opts, building it unless this process
// or an earlier one has. It skips t when this machine lacks what it is
// built from (the cloud kernel, busybox-static, qemu-guest-agent).
func Guest(t testing.TB, opts GuestOptions) Image {
	t.Helper()
	if why := missingInputs(); why != "" {
		t.Skip(why)
	}
	key := optionsKey(opts)
	mu.Lock()
	defer mu.Unlock()
	if img, ok := built[key]; ok {
		return img
	}
	img, err := Build(opts)
	if err != nil {
		t.Fatalf("vmlab: %v", err)
	}
	built[key] = img
	return img
}

func optionsKey(opts GuestOptions) string {
	var b strings.Builder
	for _, g := range slices.Sorted(maps.Keys(opts.Files)) {
		fmt.Fprintf(&b, "f %s %s\n", g, opts.Files[g])
	}
	for _, m := range opts.Modules {
		fmt.Fprintf(&b, "m %s\n", m)
	}
	return b.String()
}

// missingInputs says what this machine lacks to build the guest, or "".
func missingInputs() string {
	var miss []string
	if _, _, err := findKernel(); err != nil {
		miss = append(miss, err.Error())
	}
	for _, f := range []struct{ path, pkg string }{{busyboxPath, "busybox-static"}, {qemuGAPath, "qemu-guest-agent"}} {
		if _, err := os.Stat(f.path); err != nil {
			miss = append(miss, fmt.Sprintf("no %s (Debian's %s)", f.path, f.pkg))
		}
	}
	if len(miss) == 0 {
		return ""
	}
	return "vmlab: cannot build the test guest: " + strings.Join(miss, "; ") + " (scripts/setup.sh installs them, as root)"
}

// findKernel returns the newest /boot/vmlinuz-*-cloud-amd64 that has its
// modules under /lib/modules, and its release.
func findKernel() (path, release string, err error) {
	paths, _ := filepath.Glob("/boot/vmlinuz-*-cloud-amd64")
	var best string
	for _, p := range paths {
		rel := strings.TrimPrefix(filepath.Base(p), "vmlinuz-")
		if _, err := os.Stat(filepath.Join("/lib/modules", rel, "modules.dep")); err != nil {
			continue
		}
		if best == "" || versionLess(best, rel) {
			best = rel
		}
	}
	if best == "" {
		return "", "", fmt.Errorf("no /boot/vmlinuz-*-cloud-amd64 with its /lib/modules (Debian's linux-image-cloud-amd64)")
	}
	return "/boot/vmlinuz-" + best, best, nil
}

// versionLess compares kernel releases number by number ("6.1.0-9" <
// "6.1.0-57").
func versionLess(a, b string) bool {
	split := func(s string) []string {
		return strings.FieldsFunc(s, func(r rune) bool { return r == '.' || r == '-' })
	}
	pa, pb := split(a), split(b)
	for i := 0; i < len(pa) && i < len(pb); i++ {
		if pa[i] == pb[i] {
			continue
		}
		var na, nb int
		_, ea := fmt.Sscan(pa[i], &na)
		_, eb := fmt.Sscan(pb[i], &nb)
		if ea == nil && eb == nil {
			return na < nb
		}
		return pa[i] < pb[i]
	}
	return len(pa) < len(pb)
}

// Build builds the guest with opts, or finds it built, and returns it: for
// labs that are not tests. Guest is the tests' way in.
func Build(opts GuestOptions) (Image, error) {
	kernel, release, err := findKernel()
	if err != nil {
		return Image{}, err
	}
	kernelData, err := os.ReadFile(kernel)
	if err != nil {
		return Image{}, fmt.Errorf("read the kernel: %w", err)
	}
	root, err := guestTree(release, opts)
	if err != nil {
		return Image{}, err
	}
	sum := sha256.New()
	fmt.Fprintf(sum, "vmlab 1\nkernel %d\n", len(kernelData))
	sum.Write(kernelData)
	root.hash(sum)
	dir := filepath.Join(os.TempDir(), "omhcl-vmlab-"+hex.EncodeToString(sum.Sum(nil)[:8]))
	img := Image{Dir: dir, Kernel: filepath.Join(dir, "vmlinuz"), Initrd: filepath.Join(dir, "initrd.gz"), KernelVersion: release}
	if err := readableByAll(os.TempDir()); err != nil {
		return Image{}, err
	}
	if _, err := os.Stat(img.Initrd); err == nil {
		now := time.Now()
		os.Chtimes(dir, now, now) // in use: not pruned
		return img, nil
	}
	prune(dir)

	tmp, err := os.MkdirTemp(os.TempDir(), "omhcl-vmlab-build-")
	if err != nil {
		return Image{}, err
	}
	defer os.RemoveAll(tmp) // left only when the rename did not take it
	if err := os.Chmod(tmp, 0o755); err != nil {
		return Image{}, err
	}
	if err := os.WriteFile(filepath.Join(tmp, "vmlinuz"), kernelData, 0o644); err != nil {
		return Image{}, err
	}
	f, err := os.OpenFile(filepath.Join(tmp, "initrd.gz"), os.O_CREATE|os.O_WRONLY|os.O_EXCL, 0o644)
	if err != nil {
		return Image{}, err
	}
	if err := root.writeCpioGz(f); err != nil {
		f.Close()
		return Image{}, fmt.Errorf("write the initramfs: %w", err)
	}
	if err := f.Close(); err != nil {
		return Image{}, err
	}
	if err := os.Rename(tmp, dir); err != nil {
		// Another process renamed its own build first: use it.
		if _, serr := os.Stat(img.Initrd); serr != nil {
			return Image{}, fmt.Errorf("put the guest in %s: %w", dir, err)
		}
	}
	return img, nil
}

// Builds older than pruneAge (by their directory's time, which a reuse
// refreshes) are removed when a new one is made, and so are the leftovers
// of builds that died half way.
const pruneAge = 48 * time.Hour

func prune(keep string) {
	old, _ := filepath.Glob(filepath.Join(os.TempDir(), "omhcl-vmlab-*"))
	for _, d := range old {
		st, err := os.Stat(d)
		if err != nil || d == keep {
			continue
		}
		age := time.Since(st.ModTime())
		if age > pruneAge || (strings.HasPrefix(filepath.Base(d), "omhcl-vmlab-build-") && age > time.Hour) {
			os.RemoveAll(d)
		}
	}
}

// readableByAll checks that libvirt's qemu (another user) can reach files
// under dir: each directory on the way must be searchable by others.
func readableByAll(dir string) error {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return err
	}
	for d := abs; ; d = filepath.Dir(d) {
		st, err := os.Stat(d)
		if err != nil {
			return err
		}
		if st.Mode().Perm()&0o001 == 0 {
			return fmt.Errorf("%s is not searchable by other users (mode %v): libvirt's qemu, which runs as libvirt-qemu, could not read the guest's kernel under %s; set TMPDIR to a directory it can reach, like /var/tmp", d, st.Mode().Perm(), abs)
		}
		if d == "/" {
			return nil
		}
	}
}

// ldd returns the shared libraries and the loader that ldd names for bin.
func ldd(bin string) ([]string, error) {
	out, err := exec.Command("ldd", bin).Output()
	if err != nil {
		return nil, fmt.Errorf("ldd %s: %w", bin, err)
	}
	var libs []string
	sc := bufio.NewScanner(strings.NewReader(string(out)))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		switch {
		case len(f) >= 3 && f[1] == "=>" && strings.HasPrefix(f[2], "/"):
			libs = append(libs, f[2])
		case len(f) >= 1 && strings.HasPrefix(f[0], "/"):
			libs = append(libs, f[0]) // the loader
		case len(f) >= 3 && f[1] == "=>" && f[2] == "not":
			return nil, fmt.Errorf("ldd %s: %s not found", bin, f[0])
		}
	}
	return libs, nil
}
