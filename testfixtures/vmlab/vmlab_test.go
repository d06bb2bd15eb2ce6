package vmlab

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestCmdline(t *testing.T) {
	if got, want := Cmdline("n1", "198.18.0.10/24", "198.18.0.1"), "console=ttyS0 quiet panic=-1 omhcl.hostname=n1 omhcl.ip=198.18.0.10/24 omhcl.gw=198.18.0.1"; got != want {
		t.Errorf("Cmdline = %q, want %q", got, want)
	}
	if got, want := Cmdline("n1", "", ""), "console=ttyS0 quiet panic=-1 omhcl.hostname=n1"; got != want {
		t.Errorf("Cmdline = %q, want %q", got, want)
	}
}

func TestVersionLess(t *testing.T) {
	for _, c := range []struct {
		a, b string
		less bool
	}{
		{"6.1.0-9-cloud-amd64", "6.1.0-57-cloud-amd64", true},
		{"6.1.0-57-cloud-amd64", "6.1.0-9-cloud-amd64", false},
		{"5.10.0-30-cloud-amd64", "6.1.0-9-cloud-amd64", true},
		{"6.1.0-9-cloud-amd64", "6.1.0-9-cloud-amd64", false},
	} {
		if got := versionLess(c.a, c.b); got != c.less {
			t.Errorf("versionLess(%s, %s) = %v", c.a, c.b, got)
		}
	}
}

// TestModuleOrder checks, on this host's modules.dep, that each default
// module comes after the modules it needs.
func TestModuleOrder(t *testing.T) {
	_, release, err := findKernel()
	if err != nil {
		t.Skip(err)
	}
	order, err := moduleOrder(release, defaultModules)
	if err != nil {
		t.Fatal(err)
	}
	names := make([]string, len(order))
	for i, m := range order {
		names[i] = moduleName(m)
	}
	t.Logf("load order: %s", strings.Join(names, " "))
	for _, pair := range [][2]string{{"virtio_ring", "virtio"}, {"virtio", "virtio_pci"}, {"virtio", "virtio_console"}, {"net_failover", "virtio_net"}, {"virtio", "virtio_blk"}} {
		before, after := slices.Index(names, pair[0]), slices.Index(names, pair[1])
		if after < 0 {
			t.Errorf("%s not loaded", pair[1])
		} else if before > after {
			t.Errorf("%s loaded before %s, which it needs", pair[1], pair[0])
		}
	}
}

// TestGuestBootsAndAnswers boots the guest under plain qemu (TCG, as this
// machine's KVM may not run guests), with a disk holding ext4, an
// interface and the agent channel, and asks its qemu-ga what the guest
// set up from the command line.
func TestGuestBootsAndAnswers(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root, like the other VM tests")
	}
	qemu, err := exec.LookPath("qemu-system-x86_64")
	if err != nil {
		t.Skip("no qemu-system-x86_64 (Debian's qemu-system-x86; scripts/setup.sh installs it, as root)")
	}
	dir := t.TempDir()
	extra := filepath.Join(dir, "extra")
	if err := os.WriteFile(extra, []byte("extra file\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	img := Guest(t, GuestOptions{Files: map[string]string{"/usr/share/omhcl/extra": extra}})

	// The disk: ext4 holding a marker file.
	content := filepath.Join(dir, "content")
	os.Mkdir(content, 0o755)
	os.WriteFile(filepath.Join(content, "marker"), []byte("on the disk\n"), 0o644)
	disk := filepath.Join(dir, "disk.img")
	if out, err := exec.Command("mkfs.ext4", "-q", "-F", "-d", content, disk, "16M").CombinedOutput(); err != nil {
		t.Fatalf("mkfs.ext4: %v: %s", err, out)
	}

	sock := filepath.Join(dir, "qga.sock")
	console := filepath.Join(dir, "console.log")
	cmdline := Cmdline("vmlab1", "198.18.0.10/24", "198.18.0.1")
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, qemu, "-accel", "tcg", "-M", "pc", "-m", "256", "-smp", "1",
		"-nodefaults", "-no-user-config", "-display", "none",
		"-kernel", img.Kernel, "-initrd", img.Initrd, "-append", cmdline,
		"-serial", "file:"+console,
		"-chardev", "socket,path="+sock+",server=on,wait=off,id=qga0",
		"-device", "virtio-serial", "-device", "virtserialport,chardev=qga0,name="+AgentChannel,
		"-drive", "file="+disk+",if=virtio,format=raw",
		// An interface on a hub of its own: nothing leaves the guest.
		"-netdev", "hubport,id=n0,hubid=0", "-device", "virtio-net-pci,netdev=n0")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	start := time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-exited
		if t.Failed() {
			data, _ := os.ReadFile(console)
			t.Logf("qemu's stderr:\n%s\nthe guest's console:\n%s", stderr.String(), data)
		}
	})

	agent, err := DialAgent(ctx, sock)
	if err != nil {
		t.Fatalf("the guest's agent: %v", err)
	}
	defer agent.Close()
	t.Logf("qemu started to agent answering: %.2f s", time.Since(start).Seconds())
	// The guest prints the line within 20 ms of qemu-ga opening its port,
	// which may be after qemu-ga's first answer.
	for deadline := time.Now().Add(5 * time.Second); !consoleHas(console, ReadyLine); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Errorf("the console has no %q line 5 s after the agent answered", ReadyLine)
			break
		}
	}

	if err := agent.Call(ctx, "guest-ping", nil, nil); err != nil {
		t.Fatal(err)
	}
	run := func(argv ...string) string {
		t.Helper()
		res, err := agent.Exec(ctx, argv...)
		if err != nil {
			t.Fatal(err)
		}
		if res.ExitCode != 0 {
			t.Fatalf("%q in the guest: exit %d: %s", argv, res.ExitCode, res.Stderr)
		}
		return res.Stdout
	}
	up, _, _ := strings.Cut(run("cat", "/proc/uptime"), " ")
	if s, err := strconv.ParseFloat(up, 64); err != nil || s <= 0 {
		t.Errorf("/proc/uptime says %q", up)
	} else {
		t.Logf("guest uptime when asked: %.2f s", s)
	}
	if got := strings.TrimSpace(run("hostname")); got != "vmlab1" {
		t.Errorf("hostname = %q, want vmlab1 (omhcl.hostname)", got)
	}
	if got := run("ip", "-4", "addr", "show", "dev", "eth0"); !strings.Contains(got, "inet 198.18.0.10/24") || !strings.Contains(got, ",UP,") {
		t.Errorf("eth0 is not up with 198.18.0.10/24 (omhcl.ip):\n%s", got)
	}
	if got := run("ip", "route", "show", "default"); !strings.Contains(got, "default via 198.18.0.1 dev eth0") {
		t.Errorf("no default route through 198.18.0.1 (omhcl.gw): %q", got)
	}
	if got := run("cat", "/data/marker"); got != "on the disk\n" {
		t.Errorf("/data/marker = %q: /dev/vda not mounted on /data?", got)
	}
	if got := run("cat", "/usr/share/omhcl/extra"); got != "extra file\n" {
		t.Errorf("the extra file holds %q", got)
	}

	// guest-shutdown: qemu-ga runs /sbin/shutdown, the guest powers off
	// (init unmounts /data first) and qemu exits.
	agent.Call(ctx, "guest-shutdown", nil, nil) // answers nothing when it works
	select {
	case err := <-exited:
		exited <- err
		if err != nil {
			t.Errorf("qemu after guest-shutdown: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the guest still runs 30 s after guest-shutdown")
	}
	if out, err := exec.Command("e2fsck", "-n", disk).CombinedOutput(); err != nil {
		t.Errorf("the disk's filesystem after the shutdown: %v\n%s", err, out)
	}
}

func consoleHas(path, line string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if strings.TrimSpace(sc.Text()) == line {
			return true
		}
	}
	return false
}

// TestGuestBootsUnderLibvirt boots the guest as a transient domain of a
// libvirtd (virsh create), as root, with its files where Guest leaves
// them, and pings its agent through libvirt, then shuts it down through
// the agent (virsh shutdown's default). The libvirtd is a node's
// (NodeLibvirtd): a qemu of the host's would keep the filesystems the
// tests beside it have mounted (TestNodeLibvirtdPinsNoMount).
func TestGuestBootsUnderLibvirt(t *testing.T) {
	RequireLibvirt(t)
	if _, err := exec.LookPath("virsh"); err != nil {
		t.Skip("no virsh (Debian's libvirt-clients)")
	}
	ns := fmt.Sprintf("omvm-boot-%d", os.Getpid())
	if out, err := exec.Command("ip", "netns", "add", ns).CombinedOutput(); err != nil {
		t.Fatalf("ip netns add: %v: %s", err, out)
	}
	t.Cleanup(func() { exec.Command("ip", "netns", "del", ns).Run() })
	l := NodeLibvirtd(t, "vmboot", ns, 3)
	img := Guest(t, GuestOptions{})
	name := fmt.Sprintf("vmlab-test-%d", os.Getpid())
	xml := domainXML(name, img, Cmdline(name, "", ""))
	file := filepath.Join(t.TempDir(), "domain.xml")
	if err := os.WriteFile(file, []byte(xml), 0o644); err != nil {
		t.Fatal(err)
	}
	virsh := func(args ...string) (string, error) {
		out, err := exec.Command("virsh", append([]string{"-c", l.URI}, args...)...).CombinedOutput()
		return string(out), err
	}
	start := time.Now()
	if out, err := virsh("create", file); err != nil {
		t.Fatalf("virsh create: %v\n%s\n%s", err, out, xml)
	}
	t.Cleanup(func() { virsh("destroy", name) })
	var pong string
	for deadline := time.Now().Add(2 * time.Minute); ; {
		out, err := virsh("qemu-agent-command", name, `{"execute":"guest-ping"}`)
		if err == nil {
			pong = strings.TrimSpace(out)
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no agent answer through libvirt in 2 min: %s", out)
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Logf("virsh create to agent answering through libvirt: %.2f s (%s)", time.Since(start).Seconds(), pong)
	if out, err := virsh("shutdown", name); err != nil {
		t.Fatalf("virsh shutdown: %v: %s", err, out)
	}
	for deadline := time.Now().Add(30 * time.Second); ; {
		if _, err := virsh("domstate", name); err != nil {
			break // a transient domain is gone once it stops
		}
		if time.Now().After(deadline) {
			t.Fatal("the domain still runs 30 s after virsh shutdown")
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// domainXML is the smallest domain that boots the guest under the
// host's libvirt: direct kernel boot under TCG, the console on a pty, the
// agent channel.
func domainXML(name string, img Image, cmdline string) string {
	return `<domain type='qemu'>
  <name>` + name + `</name>
  <memory unit='MiB'>256</memory>
  <vcpu>1</vcpu>
  <os>
    <type arch='x86_64' machine='pc'>hvm</type>
    <kernel>` + img.Kernel + `</kernel>
    <initrd>` + img.Initrd + `</initrd>
    <cmdline>` + cmdline + `</cmdline>
  </os>
  <features><acpi/></features>
  <on_poweroff>destroy</on_poweroff>
  <on_reboot>restart</on_reboot>
  <on_crash>destroy</on_crash>
  <devices>
    <serial type='pty'><target port='0'/></serial>
    <console type='pty'><target type='serial' port='0'/></console>
    <channel type='unix'><target type='virtio' name='org.qemu.guest_agent.0'/></channel>
    <memballoon model='none'/>
  </devices>
</domain>
`
}

// TestNodeLibvirtdRunsAGuestInItsNamespace starts a node's libvirtd in a
// network namespace of the test's and boots the guest there.
func TestNodeLibvirtdRunsAGuestInItsNamespace(t *testing.T) {
	RequireLibvirt(t)
	ns := fmt.Sprintf("omvm-%d", os.Getpid())
	if out, err := exec.Command("ip", "netns", "add", ns).CombinedOutput(); err != nil {
		t.Fatalf("ip netns add: %v: %s", err, out)
	}
	t.Cleanup(func() { exec.Command("ip", "netns", "del", ns).Run() })
	l := NodeLibvirtd(t, "vmnode1", ns, 1)
	img := Guest(t, GuestOptions{})
	xml := fmt.Sprintf(`<domain type='qemu'><name>omvm-ns</name><memory unit='MiB'>256</memory><vcpu>1</vcpu>
<os><type arch='x86_64' machine='pc'>hvm</type><kernel>%s</kernel><initrd>%s</initrd><cmdline>%s</cmdline></os>
<features><acpi/></features><devices><serial type='pty'><target port='0'/></serial></devices></domain>`, img.Kernel, img.Initrd, Cmdline("g", "", ""))
	f := filepath.Join(t.TempDir(), "d.xml")
	os.WriteFile(f, []byte(xml), 0o644)
	if out, err := exec.Command("virsh", "-c", l.URI, "create", f).CombinedOutput(); err != nil {
		t.Fatalf("virsh create: %v: %s", err, out)
	}
	out, err := exec.Command("virsh", "-c", l.URI, "hostname").Output()
	if err != nil || strings.TrimSpace(string(out)) != "vmnode1" {
		t.Errorf("the node's libvirtd names itself %q (%v), want vmnode1", out, err)
	}
	pidfile := filepath.Join(l.Dir, "run", "qemu", "omvm-ns.pid")
	b, err := os.ReadFile(pidfile)
	if err != nil {
		t.Fatal(err)
	}
	mine, _ := os.Readlink("/proc/self/ns/net")
	theirs, _ := os.Readlink("/proc/" + strings.TrimSpace(string(b)) + "/ns/net")
	if theirs == "" || theirs == mine {
		t.Errorf("the guest's qemu runs in network namespace %q, the host's is %q", theirs, mine)
	}
	if out, _ := exec.Command("virsh", "list", "--name").Output(); strings.Contains(string(out), "omvm-ns") {
		t.Error("the node's guest shows in the host's libvirtd")
	}
}

// TestNodeLibvirtdPinsNoMount: a filesystem mounted when a node's
// libvirtd starts is released when the host unmounts it (its loop
// device detached), not kept by the libvirtd's mount namespace.
func TestNodeLibvirtdPinsNoMount(t *testing.T) {
	RequireLibvirt(t)
	dir := t.TempDir()
	img, mnt := filepath.Join(dir, "fs.img"), filepath.Join(dir, "mnt")
	for _, argv := range [][]string{{"truncate", "-s", "16M", img}, {"mkfs.ext4", "-q", "-F", img}, {"mkdir", mnt}, {"mount", "-o", "loop", img, mnt}} {
		if out, err := exec.Command(argv[0], argv[1:]...).CombinedOutput(); err != nil {
			t.Fatalf("%v: %v: %s", argv, err, out)
		}
	}
	mounted := true
	t.Cleanup(func() {
		if mounted {
			exec.Command("umount", mnt).Run()
		}
	})
	ns := fmt.Sprintf("omvm-pin-%d", os.Getpid())
	if out, err := exec.Command("ip", "netns", "add", ns).CombinedOutput(); err != nil {
		t.Fatalf("ip netns add: %v: %s", err, out)
	}
	t.Cleanup(func() { exec.Command("ip", "netns", "del", ns).Run() })
	NodeLibvirtd(t, "vmpin", ns, 2)
	if out, err := exec.Command("umount", mnt).CombinedOutput(); err != nil {
		t.Fatalf("umount: %v: %s", err, out)
	}
	mounted = false
	for end := time.Now().Add(5 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		out, _ := exec.Command("losetup", "-j", img).Output()
		if len(strings.TrimSpace(string(out))) == 0 {
			return
		}
		if time.Now().After(end) {
			t.Fatalf("5 s after umount, the loop device is still attached (pinned by the node's libvirtd?): %s", out)
		}
	}
}
