package vmlab

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"embed"
	"fmt"
	"hash"
	"io"
	"maps"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"slices"
	"strings"
)

const (
	busyboxPath = "/bin/busybox"
	qemuGAPath  = "/usr/sbin/qemu-ga"
)

// defaultModules are loaded at every boot: the virtio PCI transport, the
// agent's virtio-serial port, the network interface, the disk, and the
// ACPI power button with its input events (busybox acpid powers off on
// it).
var defaultModules = []string{"virtio_pci", "virtio_console", "virtio_net", "virtio_blk", "button", "evdev"}

//go:embed guest
var guestFiles embed.FS

// guestScripts are the guest's own files: embedded path, guest path.
var guestScripts = [][2]string{
	{"guest/inittab", "/etc/inittab"},
	{"guest/rc", "/etc/omhcl/rc"},
	{"guest/agent", "/etc/omhcl/agent"},
	{"guest/console", "/etc/omhcl/console"},
	{"guest/down", "/etc/omhcl/down"},
	{"guest/shutdown", "/sbin/shutdown"},
	{"guest/power", "/etc/acpi/PWRF/00000080"},
}

// entry is one file of the initramfs: a directory, a regular file, a
// symlink or a character device.
type entry struct {
	mode   uint32 // with the file type bits
	data   []byte // a file's content, a symlink's target
	rdevMj uint32
	rdevMn uint32
}

const (
	sIFDIR = 0o040000
	sIFREG = 0o100000
	sIFLNK = 0o120000
	sIFCHR = 0o020000
)

// tree is the initramfs by guest path ("etc/inittab", no leading slash).
type tree map[string]*entry

func (t tree) dir(p string) {
	p = strings.Trim(path.Clean(p), "/")
	for p != "" && p != "." {
		if _, ok := t[p]; !ok {
			t[p] = &entry{mode: sIFDIR | 0o755}
		}
		p = path.Dir(p)
	}
}

func (t tree) file(p string, data []byte, perm uint32) {
	p = strings.Trim(path.Clean(p), "/")
	t.dir(path.Dir(p))
	t[p] = &entry{mode: sIFREG | perm, data: data}
}

func (t tree) link(p, target string) {
	p = strings.Trim(path.Clean(p), "/")
	t.dir(path.Dir(p))
	t[p] = &entry{mode: sIFLNK | 0o777, data: []byte(target)}
}

// hostFile copies a host file into the tree at guest path p, following
// symlinks, with its permission bits.
func (t tree) hostFile(p, host string) error {
	data, err := os.ReadFile(host)
	if err != nil {
		return err
	}
	st, err := os.Stat(host)
	if err != nil {
		return err
	}
	t.file(p, data, uint32(st.Mode().Perm()))
	return nil
}

// guestTree is the whole initramfs for the kernel release and opts.
func guestTree(release string, opts GuestOptions) (tree, error) {
	t := tree{}
	for _, d := range []string{"proc", "sys", "dev", "run", "tmp", "data", "root", "var/log", "etc/omhcl", "lib/modules/omhcl"} {
		t.dir(d)
	}
	t["tmp"].mode = sIFDIR | 0o1777
	t["root"].mode = sIFDIR | 0o700
	t.link("var/run", "../run")
	t.link("var/tmp", "../tmp")
	// The kernel opens /dev/console for init before devtmpfs is mounted.
	t["dev/console"] = &entry{mode: sIFCHR | 0o600, rdevMj: 5, rdevMn: 1}
	t.file("etc/passwd", []byte("root:x:0:0:root:/root:/bin/sh\n"), 0o644)
	t.file("etc/group", []byte("root:x:0:\n"), 0o644)

	// busybox and its applets; init is busybox's, run as /init.
	if err := t.hostFile(busyboxPath, busyboxPath); err != nil {
		return nil, fmt.Errorf("needs busybox-static: %w", err)
	}
	out, err := exec.Command(busyboxPath, "--list-full").Output()
	if err != nil {
		return nil, fmt.Errorf("%s --list-full: %w", busyboxPath, err)
	}
	for _, a := range strings.Fields(string(out)) {
		if a != "bin/busybox" {
			t.link(a, "/bin/busybox")
		}
	}
	t.link("init", "/bin/busybox")
	for _, s := range guestScripts {
		data, err := guestFiles.ReadFile(s[0])
		if err != nil {
			return nil, err
		}
		perm := uint32(0o755)
		if s[1] == "/etc/inittab" {
			perm = 0o644
		}
		t.file(s[1], data, perm)
	}

	// qemu-ga, its libraries and the loader, at the paths ldd names.
	if err := t.hostFile(qemuGAPath, qemuGAPath); err != nil {
		return nil, fmt.Errorf("needs qemu-guest-agent: %w", err)
	}
	libs, err := ldd(qemuGAPath)
	if err != nil {
		return nil, err
	}
	for _, l := range libs {
		if err := t.hostFile(l, l); err != nil {
			return nil, fmt.Errorf("qemu-ga's library: %w", err)
		}
	}

	// The modules, uncompressed, and their load order.
	mods, err := moduleOrder(release, append(slices.Clone(defaultModules), opts.Modules...))
	if err != nil {
		return nil, err
	}
	var order bytes.Buffer
	for _, m := range mods {
		data, err := readModule(filepath.Join("/lib/modules", release, m))
		if err != nil {
			return nil, err
		}
		name := moduleName(m) + ".ko"
		t.file("lib/modules/omhcl/"+name, data, 0o644)
		order.WriteString(name + "\n")
	}
	t.file("etc/omhcl/modules", order.Bytes(), 0o644)

	for _, g := range slices.Sorted(maps.Keys(opts.Files)) {
		if !path.IsAbs(g) {
			return nil, fmt.Errorf("GuestOptions.Files: %q is not an absolute guest path", g)
		}
		if err := t.hostFile(g, opts.Files[g]); err != nil {
			return nil, fmt.Errorf("GuestOptions.Files[%q]: %w", g, err)
		}
	}
	return t, nil
}

// moduleName is a module's name from its path in modules.dep, with "-"
// read as "_" as modprobe does.
func moduleName(p string) string {
	base := path.Base(p)
	base, _, _ = strings.Cut(base, ".ko")
	return strings.ReplaceAll(base, "-", "_")
}

// moduleOrder returns the module paths (relative to /lib/modules/RELEASE)
// of names and all they depend on, each after its dependencies, from
// modules.dep. A module built into the kernel (modules.builtin) is left
// out.
func moduleOrder(release string, names []string) ([]string, error) {
	dir := filepath.Join("/lib/modules", release)
	f, err := os.Open(filepath.Join(dir, "modules.dep"))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	deps := map[string][]string{} // path: its dependencies' paths
	byName := map[string]string{} // name: path
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		mod, rest, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			continue
		}
		deps[mod] = strings.Fields(rest)
		byName[moduleName(mod)] = mod
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	builtin := map[string]bool{}
	if data, err := os.ReadFile(filepath.Join(dir, "modules.builtin")); err == nil {
		for _, l := range strings.Fields(string(data)) {
			builtin[moduleName(l)] = true
		}
	}
	var order []string
	seen := map[string]bool{}
	var visit func(string)
	visit = func(m string) {
		if seen[m] {
			return
		}
		seen[m] = true
		// modules.dep lists the deepest dependency last.
		d := deps[m]
		for i := len(d) - 1; i >= 0; i-- {
			visit(d[i])
		}
		order = append(order, m)
	}
	for _, n := range names {
		n = strings.ReplaceAll(n, "-", "_")
		m, ok := byName[n]
		if !ok {
			if builtin[n] {
				continue
			}
			return nil, fmt.Errorf("module %s: not in %s/modules.dep nor built in", n, dir)
		}
		visit(m)
	}
	return order, nil
}

// readModule reads a module file, uncompressed: busybox's insmod takes
// plain .ko files only.
func readModule(p string) ([]byte, error) {
	var tool string
	switch {
	case strings.HasSuffix(p, ".ko"):
		return os.ReadFile(p)
	case strings.HasSuffix(p, ".ko.gz"):
		f, err := os.Open(p)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		z, err := gzip.NewReader(f)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", p, err)
		}
		return io.ReadAll(z)
	case strings.HasSuffix(p, ".ko.xz"):
		tool = "xz"
	case strings.HasSuffix(p, ".ko.zst"):
		tool = "zstd"
	default:
		return nil, fmt.Errorf("%s: not a module file this knows", p)
	}
	out, err := exec.Command(tool, "-dc", p).Output()
	if err != nil {
		return nil, fmt.Errorf("%s -dc %s: %w", tool, p, err)
	}
	return out, nil
}

// hash writes the tree, in path order, to h.
func (t tree) hash(h hash.Hash) {
	for _, p := range slices.Sorted(maps.Keys(t)) {
		e := t[p]
		fmt.Fprintf(h, "%s %o %d %d %d\n", p, e.mode, e.rdevMj, e.rdevMn, len(e.data))
		h.Write(e.data)
	}
}

// writeCpioGz writes the tree as a gzipped cpio archive of the newc
// format, the one the kernel unpacks: directories before what they hold,
// times and owners zero (root).
func (t tree) writeCpioGz(w io.Writer) error {
	z, _ := gzip.NewWriterLevel(w, gzip.BestSpeed)
	bw := bufio.NewWriterSize(z, 1<<20)
	ino := uint32(1)
	put := func(name string, e *entry) {
		nlink := uint32(1)
		if e.mode&0o170000 == sIFDIR {
			nlink = 2
		}
		fmt.Fprintf(bw, "070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X",
			ino, e.mode, 0, 0, nlink, 0, len(e.data), 0, 0, e.rdevMj, e.rdevMn, len(name)+1, 0)
		ino++
		bw.WriteString(name)
		bw.WriteByte(0)
		pad(bw, 110+len(name)+1)
		bw.Write(e.data)
		pad(bw, len(e.data))
	}
	// Sorted paths put each directory before what it holds.
	for _, p := range slices.Sorted(maps.Keys(t)) {
		put(p, t[p])
	}
	put("TRAILER!!!", &entry{})
	if err := bw.Flush(); err != nil {
		return err
	}
	return z.Close()
}

func pad(w *bufio.Writer, n int) {
	for n%4 != 0 {
		w.WriteByte(0)
		n++
	}
}
