package containerkvm

import (
	"context"
	cryptomd5 "crypto/md5"
	"fmt"
	"os"
	osexec "os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/digitalocean/go-libvirt"
	"github.com/omhcl/omhcl/providers"
	"github.com/omhcl/omhcl/testfixtures/executortest"
	"github.com/omhcl/omhcl/testfixtures/netlab"
	"github.com/omhcl/omhcl/testfixtures/vmlab"
	"github.com/zclconf/go-cty/cty"
)

// guestDriver returns the driver of a test guest booted from vmlab's
// image under TCG by a libvirtd of the test's own (below).
func guestDriver(t *testing.T, attrs map[string]cty.Value) *driver {
	t.Helper()
	vmlab.RequireLibvirt(t)
	ns := netlab.NewNS(t, "kvmt")
	l := vmlab.NodeLibvirtd(t, "kvmtest", ns.Name, 9)
	with := map[string]cty.Value{"uri": cty.StringVal(l.URI)}
	for k, v := range attrs {
		with[k] = v
	}
	d := newGuestDriver(t, with)
	guestNS[d] = ns
	return d
}

// guestNS is the network namespace of each test guest's libvirtd, where
// its node would run.
var guestNS = map[*driver]*netlab.NS{}

// newGuestDriver is the driver of the test guest with attrs. Its
// libvirtd is a lab node's (vmlab.NodeLibvirtd), never the host's: the
// host's root mount is private on these machines, so a qemu the host's
// libvirtd starts keeps, in its mount namespace, every filesystem the
// tests beside it have mounted then, and their loop devices stay busy
// after they unmount them.
func newGuestDriver(t *testing.T, attrs map[string]cty.Value) *driver {
	t.Helper()
	img := vmlab.Guest(t, vmlab.GuestOptions{})
	base := map[string]cty.Value{
		"name":          cty.StringVal(strings.ToLower(t.Name())),
		"kernel":        cty.StringVal(img.Kernel),
		"initrd":        cty.StringVal(img.Initrd),
		"cmdline":       cty.StringVal(vmlab.Cmdline("vm1", "", "")),
		"accel":         cty.StringVal("tcg"), // KVM does not run guests on these machines (../shared/NOTES.md)
		"start_timeout": cty.StringVal("60s"),
		"stop_timeout":  cty.StringVal("20s"),
	}
	for k, v := range attrs {
		base[k] = v
	}
	r := resource(base)
	r.Service = "tkvm"
	r.Name = "vm"
	d0, err := New(r)
	if err != nil {
		t.Fatal(err)
	}
	return d0.(*driver)
}

// removeDomain destroys and undefines name, whatever state it is in.
func removeDomain(e endpoint, name string) {
	ctx := context.Background()
	_ = do(ctx, e, func(l *libvirt.Libvirt) error {
		dom, err := l.DomainLookupByName(name)
		if err != nil {
			return err
		}
		_ = l.DomainDestroy(dom)
		return l.DomainUndefineFlags(dom, libvirt.DomainUndefineManagedSave|libvirt.DomainUndefineSnapshotsMetadata|libvirt.DomainUndefineNvram)
	})
}

func logTo(t *testing.T) *providers.Log { return providers.NewLog(t.Output()) }

func exec(t *testing.T, d *driver, argv ...string) (string, int) {
	t.Helper()
	out, errOut, code, err := d.Exec(context.Background(), argv)
	if err != nil {
		t.Fatalf("exec %q: %v", argv, err)
	}
	return string(out) + string(errOut), code
}

// TestGuestLifecycle starts a guest, works in it through its agent, sees
// it die by libvirt's events, and stops it clean through its agent.
func TestGuestLifecycle(t *testing.T) {
	d := guestDriver(t, nil)
	ctx := context.Background()
	if st := d.Status(ctx); st.State != providers.Down || !strings.Contains(strings.Join(st.Messages, " "), "not defined") {
		t.Fatalf("status before start: %+v", st)
	}
	if errs := d.CheckAttrs(ctx, providers.Check{Actions: []providers.Action{providers.ActStart}, Host: true}); len(errs) != 0 {
		t.Errorf("the plan's checks refuse a start that works: %v", errs)
	}
	t0 := time.Now()
	if err := d.Start(ctx, logTo(t)); err != nil {
		t.Fatal(err)
	}
	t.Logf("start, to the guest agent's answer: %s (TCG)", time.Since(t0).Round(10*time.Millisecond))
	if st := d.Status(ctx); st.State != providers.Up {
		t.Fatalf("status after start: %+v", st)
	}
	var exp map[string]cty.Value
	guestNS[d].Do(func() error { exp = d.Exposed(ctx); return nil }) // the qemu of this node's netns
	if d.Exposed(ctx)["pid"].IsKnown() {
		t.Error("the host's namespace, another node's, sees the guest's qemu as its own")
	}
	if exp["domain_uuid"].AsString() != domainUUID("tkvm", "container#vm") || !exp["pid"].IsKnown() {
		t.Errorf("exposed %v", exp)
	}
	if out, code := exec(t, d, "hostname"); strings.TrimSpace(out) != "vm1" || code != 0 {
		t.Errorf("hostname in the guest: %q, exit %d", out, code)
	}
	if _, code := exec(t, d, "sh", "-c", "exit 3"); code != 3 {
		t.Errorf("exit 3 in the guest: exit %d", code)
	}

	src := filepath.Join(t.TempDir(), "f")
	content := strings.Repeat("omhcl guest file\n", 100000) // 1.7 MB: two writes
	if err := os.WriteFile(src, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := d.CopyIn(ctx, src, "/opt/new/dir/f", 0o750); err != nil {
		t.Fatal(err)
	}
	if out, _ := exec(t, d, "sh", "-c", "stat -c %a /opt/new/dir/f; md5sum < /opt/new/dir/f; ls /opt/new/dir"); out != fmt.Sprintf("750\n%s  -\nf\n", md5(content)) {
		t.Errorf("copied file in the guest: %q", out)
	}

	// an Executor's bound on output, as every container driver's
	t.Run("output is bounded", func(t *testing.T) { executortest.OutputIsBounded(t, ctx, d, "container#vm") })
	// copies of two files to one path at once both succeed, and the file
	// is one of them whole (a status and a start may push a
	// configuration at once)
	t.Run("concurrent copies to one file", func(t *testing.T) { concurrentCopies(t, d) })

	changed := make(chan struct{}, 16)
	ectx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() { t.Logf("events: %v", d.Events(ectx, func() { changed <- struct{}{} })) }()
	time.Sleep(200 * time.Millisecond) // subscribed
	// the guest powers itself off: the command's answer never comes
	go d.Exec(ctx, []string{"poweroff", "-f"})
	select {
	case <-changed:
	case <-time.After(10 * time.Second):
		t.Fatalf("no lifecycle event 10 s after the guest powered off (status %+v)", d.Status(ctx))
	}
	waitState(t, d, providers.Down)
	if st := d.Status(ctx); !strings.Contains(strings.Join(st.Messages, " "), "shut off by the guest") {
		t.Errorf("status after the guest's poweroff: %+v", st)
	}

	if err := d.Start(ctx, logTo(t)); err != nil {
		t.Fatal(err)
	}
	log := logTo(t)
	t0 = time.Now()
	if err := d.Stop(ctx, log); err != nil {
		t.Fatal(err)
	}
	t.Logf("stop: %s", time.Since(t0).Round(10*time.Millisecond))
	if ops := log.Lines(); slices.ContainsFunc(ops, func(s string) bool { return strings.Contains(s, "virsh destroy") }) {
		t.Errorf("the guest did not shut down through its agent: %q", ops)
	}
	if err := d.Unprovision(ctx, logTo(t)); err != nil {
		t.Fatal(err)
	}
	if d.Exists(ctx) {
		t.Error("domain still defined after unprovision")
	}
}

func waitState(t *testing.T, d *driver, want providers.State) {
	t.Helper()
	for end := time.Now().Add(10 * time.Second); time.Now().Before(end); time.Sleep(50 * time.Millisecond) {
		if d.Status(context.Background()).State == want {
			return
		}
	}
	t.Fatalf("status %v, want %s", d.Status(context.Background()), want)
}

func md5(s string) string { return fmt.Sprintf("%x", cryptomd5.Sum([]byte(s))) }

// TestDriftAndForeignDomains: a domain edited by hand, or defined from
// other attributes, drifts; a domain of that name that is not the
// resource's is never redefined nor undefined; a domain marked with the
// service but no resource of it is a stray.
func TestDriftAndForeignDomains(t *testing.T) {
	d := guestDriver(t, nil)
	ctx := context.Background()
	if err := d.Provision(ctx, logTo(t)); err != nil {
		t.Fatal(err)
	}
	if got := d.Drift(ctx); len(got) != 0 {
		t.Fatalf("drift right after define: %v", got)
	}
	other := newGuestDriver(t, map[string]cty.Value{"uri": cty.StringVal(d.endpoint().uri), "name": cty.StringVal(d.name()), "memory": cty.StringVal("320M")})
	if got := other.Drift(ctx); !slices.Equal(got, []string{"memory"}) {
		t.Errorf("drift of the domain with another memory: %v, want [memory]", got)
	}
	// virsh edit: the same definition with another memory, the mark kept
	text, err := call(ctx, d.endpoint(), func(l *libvirt.Libvirt) (string, error) {
		s, _ := d.lookup(ctx)
		return l.DomainGetXMLDesc(s.dom, libvirt.DomainXMLInactive)
	})
	if err != nil {
		t.Fatal(err)
	}
	edited := strings.Replace(text, "<memory unit='KiB'>262144</memory>", "<memory unit='KiB'>327680</memory>", 1)
	if edited == text {
		t.Fatalf("no memory line to edit in:\n%s", text)
	}
	if err := do(ctx, d.endpoint(), func(l *libvirt.Libvirt) error { _, err := l.DomainDefineXMLFlags(edited, 0); return err }); err != nil {
		t.Fatal(err)
	}
	if got := d.Drift(ctx); !slices.Equal(got, []string{"definition"}) {
		t.Errorf("drift after a hand edit: %v, want [definition]", got)
	}
	if got := d.Strays(ctx, []string{"container#other"}); len(got) != 1 || !strings.Contains(got[0], d.name()) {
		t.Errorf("strays: %q", got)
	}
	if got := d.Strays(ctx, []string{"container#vm"}); len(got) != 0 {
		t.Errorf("the resource's own domain is a stray: %q", got)
	}

	// a domain of that name without the mark: someone else's
	removeDomain(d.endpoint(), d.name())
	plain := strings.Replace(edited, text[strings.Index(text, "<metadata>"):strings.Index(text, "</metadata>")+len("</metadata>")], "", 1)
	if err := do(ctx, d.endpoint(), func(l *libvirt.Libvirt) error { _, err := l.DomainDefineXMLFlags(plain, 0); return err }); err != nil {
		t.Fatal(err)
	}
	if err := d.Start(ctx, logTo(t)); err == nil || !strings.Contains(err.Error(), "is not this resource's") {
		t.Errorf("start over a foreign domain: %v", err)
	}
	if err := d.Unprovision(ctx, logTo(t)); err == nil || !strings.Contains(err.Error(), "not this resource's domain") {
		t.Errorf("unprovision of a foreign domain: %v", err)
	}
	if !d.Exists(ctx) {
		t.Error("the foreign domain was removed")
	}
}

// TestFenceDestroysAtOnce: a stop under a fence's context pauses the
// guest and destroys it without asking it to shut down; a qemu that does
// not quit when libvirt asks it (here stopped with SIGSTOP, as one busy
// flushing its disk caches would be) is killed, not waited for.
func TestFenceDestroysAtOnce(t *testing.T) {
	d := guestDriver(t, nil)
	ctx := context.Background()
	if err := d.Start(ctx, logTo(t)); err != nil {
		t.Fatal(err)
	}
	var pid int
	guestNS[d].Do(func() error { pid = qemuPID(domainUUID("tkvm", "container#vm")); return nil })
	if pid <= 0 {
		t.Fatal("the guest's qemu is not found in its node's namespace")
	}
	if err := syscall.Kill(pid, syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { syscall.Kill(pid, syscall.SIGCONT) })
	log := logTo(t)
	t0 := time.Now()
	err := guestNS[d].Do(func() error { return d.Stop(providers.WithFencing(ctx), log) }) // the node's fence, in its namespace
	if err != nil {
		t.Fatal(err)
	}
	took := time.Since(t0)
	t.Logf("fenced stop of a qemu that does not quit: %s (libvirt alone waits 10 s, then kills it)", took.Round(time.Millisecond))
	ops := strings.Join(log.Lines(), "\n")
	if strings.Contains(ops, " shutdown ") || !strings.Contains(ops, " destroy ") || !strings.Contains(ops, "kill -9") {
		t.Errorf("a fence's stop ran:\n%s", ops)
	}
	if st := d.Status(ctx); !strings.Contains(strings.Join(st.Messages, " "), "destroyed") {
		t.Errorf("status after the fence: %+v", st)
	}
}

// TestGuestDiskImage: the short form's image is the guest's vda (the
// test guest mounts an ext4 one on /data), qcow2 or raw by its name.
func TestGuestDiskImage(t *testing.T) {
	// qemu runs as libvirt-qemu: t.TempDir's parent is root's alone
	dir, err := os.MkdirTemp("", "omhcl-kvm-disk-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	os.Chmod(dir, 0o755)
	img := filepath.Join(dir, "disk.img")
	src := filepath.Join(dir, "files")
	os.Mkdir(src, 0o755)
	os.WriteFile(filepath.Join(src, "hello"), []byte("from the disk image\n"), 0o644)
	for _, argv := range [][]string{{"truncate", "-s", "16M", img}, {"mkfs.ext4", "-q", "-F", "-d", src, img}} {
		if out, err := osexec.Command(argv[0], argv[1:]...).CombinedOutput(); err != nil {
			t.Fatalf("%v: %v: %s", argv, err, out)
		}
	}
	d := guestDriver(t, map[string]cty.Value{"image": cty.StringVal(img)})
	ctx := context.Background()
	if err := d.Start(ctx, logTo(t)); err != nil {
		t.Fatal(err)
	}
	if out, _ := exec(t, d, "cat", "/data/hello"); out != "from the disk image\n" {
		t.Errorf("the guest reads %q from its disk", out)
	}
	if err := d.Stop(ctx, logTo(t)); err != nil {
		t.Fatal(err)
	}
	if out, err := osexec.Command("e2fsck", "-n", "-f", img).CombinedOutput(); err != nil {
		t.Errorf("the image is not clean after the guest's stop: %v\n%s", err, out)
	}
}

func concurrentCopies(t *testing.T, d *driver) {
	ctx := context.Background()
	dir := t.TempDir()
	contents := []string{strings.Repeat("a", 200000), strings.Repeat("b", 200000)}
	errs := make(chan error, len(contents))
	for i, c := range contents {
		src := filepath.Join(dir, fmt.Sprint(i))
		if err := os.WriteFile(src, []byte(c), 0o600); err != nil {
			t.Fatal(err)
		}
		go func() { errs <- d.CopyIn(ctx, src, "/var/lib/x/conf.json", 0o600) }()
	}
	for range contents {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
	out, _ := exec(t, d, "md5sum", "/var/lib/x/conf.json")
	if !strings.HasPrefix(out, md5(contents[0])) && !strings.HasPrefix(out, md5(contents[1])) {
		t.Errorf("the file is neither copy whole: %s", out)
	}
}
