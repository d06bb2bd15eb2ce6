package containerkvm

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	osexec "os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/digitalocean/go-libvirt"
	"github.com/omhcl/omhcl/providers"
	"github.com/omhcl/omhcl/testfixtures/vmlab"
	"github.com/zclconf/go-cty/cty"
)

// migrationLab is two lab nodes, each a network namespace with a bridge
// br0 and a libvirtd of its own, the bridges joined by a veth: a guest on
// br0 keeps its address wherever it runs. The first namespace also holds
// 198.18.77.1, to reach the guest from.
type migrationLab struct {
	ns       [2]string
	libvirtd [2]*vmlab.Libvirtd
}

const guestAddr = "198.18.77.10"

func newMigrationLab(t *testing.T) *migrationLab {
	t.Helper()
	vmlab.RequireLibvirt(t)
	m := &migrationLab{}
	id := os.Getpid() % 100000
	run := func(args ...string) {
		t.Helper()
		if out, err := osexec.Command(args[0], args[1:]...).CombinedOutput(); err != nil {
			t.Fatalf("%s: %v: %s", strings.Join(args, " "), err, out)
		}
	}
	for i := range m.ns {
		ns := fmt.Sprintf("omlm%d-%d", i+1, id)
		m.ns[i] = ns
		run("ip", "netns", "add", ns)
		t.Cleanup(func() { osexec.Command("ip", "netns", "del", ns).Run() })
		run("ip", "-n", ns, "link", "set", "lo", "up")
		run("ip", "-n", ns, "link", "add", "br0", "type", "bridge")
		run("ip", "-n", ns, "link", "set", "br0", "up")
	}
	va, vb := fmt.Sprintf("omlma%d", id), fmt.Sprintf("omlmb%d", id)
	run("ip", "link", "add", va, "netns", m.ns[0], "type", "veth", "peer", "name", vb, "netns", m.ns[1])
	for i, v := range []string{va, vb} {
		run("ip", "-n", m.ns[i], "link", "set", v, "master", "br0", "up")
	}
	run("ip", "-n", m.ns[0], "addr", "add", "198.18.77.1/24", "dev", "br0")
	for i := range m.ns {
		m.libvirtd[i] = vmlab.NodeLibvirtd(t, fmt.Sprintf("lmnode%d", i+1), m.ns[i], 70+i)
	}
	return m
}

// drivers returns the guest's resource as each node drives it: the same
// service and rid, each node's own libvirtd.
func (m *migrationLab) drivers(t *testing.T, attrs map[string]cty.Value) [2]*driver {
	t.Helper()
	img := vmlab.Guest(t, vmlab.GuestOptions{})
	var out [2]*driver
	for i := range out {
		base := map[string]cty.Value{
			"uri":           cty.StringVal(m.libvirtd[i].URI),
			"kernel":        cty.StringVal(img.Kernel),
			"initrd":        cty.StringVal(img.Initrd),
			"cmdline":       cty.StringVal(vmlab.Cmdline("vm1", guestAddr+"/24", "")),
			"bridge":        cty.StringVal("br0"),
			"accel":         cty.StringVal("tcg"),
			"live_migrate":  cty.True,
			"start_timeout": cty.StringVal("60s"),
			"stop_timeout":  cty.StringVal("20s"),
		}
		for k, v := range attrs {
			base[k] = v
		}
		r := resource(base)
		r.Service, r.Name, r.Node = "tmig", "vm", m.libvirtd[i].Node
		d, err := New(r)
		if err != nil {
			t.Fatal(err)
		}
		out[i] = d.(*driver)
	}
	return out
}

// target is a MigrationTarget whose Dial runs the destination's receiving
// end in this process, as the destination's daemon would run it: the
// relay into dst's libvirtd, checked by dst's copy of the resource.
func target(t *testing.T, dst *driver) providers.MigrationTarget {
	return providers.MigrationTarget{Node: dst.r.Node, Dial: func(ctx context.Context) (io.ReadWriteCloser, error) {
		argv, err := dst.ReceiveCommand(ctx, logTo(t), []string{"om"})
		if err != nil {
			lastRelay = err.Error()
			return nil, err
		}
		a, b := net.Pipe()
		go func() {
			err := Relay(ctx, argv[4], argv[6], argv[8], b, b)
			t.Logf("relay: %v", err)
			if err != nil {
				lastRelay = err.Error()
			}
			b.Close()
		}()
		return a, nil
	}}
}

// lastRelay is how the last receiving end ended, as its daemon logs it.
var lastRelay string

// uptime reads the guest's /proc/uptime through its agent.
func uptime(t *testing.T, d *driver) float64 {
	t.Helper()
	out, code := exec(t, d, "cat", "/proc/uptime")
	f, err := strconv.ParseFloat(strings.Fields(out + " x")[0], 64)
	if code != 0 || err != nil {
		t.Fatalf("uptime in the guest: %q exit %d", out, code)
	}
	return f
}

func (m *migrationLab) answers(timeout time.Duration) bool {
	return osexec.Command("ip", "netns", "exec", m.ns[0], "busybox", "ping", "-c1", "-W", fmt.Sprint(int(timeout.Seconds())), guestAddr).Run() == nil
}

// TestLiveMigration moves a running guest between two libvirtds: its
// uptime goes on, its address answers at once from the other node.
func TestLiveMigration(t *testing.T) {
	m := newMigrationLab(t)
	d := m.drivers(t, nil)
	ctx := context.Background()
	if err := d[0].Start(ctx, logTo(t)); err != nil {
		t.Fatal(err)
	}
	up := false
	for end := time.Now().Add(30 * time.Second); !up && time.Now().Before(end); {
		up = m.answers(1 * time.Second)
	}
	t.Logf("answers after start: %v", up)
	if !up {
		out, _ := exec(t, d[0], "sh", "-c", "ip addr; ip route; cat /proc/cmdline")
		br, _ := osexec.Command("ip", "-n", m.ns[0], "addr").CombinedOutput()
		t.Fatalf("the guest's address does not answer on node1:\n%s\n%s", out, br)
	}
	before := uptime(t, d[0])
	t0 := time.Now()
	if err := d[0].Migrate(ctx, logTo(t), target(t, d[1])); err != nil {
		t.Fatal(err)
	}
	took := time.Since(t0)
	var answered time.Duration
	for end := time.Now().Add(3 * time.Second); ; {
		if m.answers(1 * time.Second) {
			answered = time.Since(t0) - took
			break
		}
		if time.Now().After(end) {
			t.Fatal("the guest's address does not answer after the migration")
		}
	}
	after := uptime(t, d[1])
	t.Logf("migrated in %s; address answered %s after; uptime %.2f -> %.2f s", took.Round(10*time.Millisecond), answered.Round(time.Millisecond), before, after)
	if after < before {
		t.Errorf("the guest rebooted: uptime %.2f before, %.2f after", before, after)
	}
	if answered > time.Second {
		t.Errorf("address answered %s after the migration's end", answered)
	}
	if st := d[0].Status(ctx); st.State != providers.Down {
		t.Errorf("source status after migration: %+v", st)
	}
	if st := d[1].Status(ctx); st.State != providers.Up {
		t.Errorf("destination status after migration: %+v", st)
	}
}

// pipeDialer hands go-libvirt one end of a pipe.
type pipeDialer struct{ c net.Conn }

func (p pipeDialer) Dial() (net.Conn, error) { return p.c, nil }

// TestMigrationRefusals: what a destination refuses, each leaving the
// guest running at the source: a member asking its libvirtd for anything
// but a migration, a migration into a resource without live_migrate, a
// migration of a domain that is not the destination's resource's.
func TestMigrationRefusals(t *testing.T) {
	m := newMigrationLab(t)
	d := m.drivers(t, nil)
	ctx := context.Background()

	// a plain libvirtd connection through the receiving end
	argv, err := d[1].ReceiveCommand(ctx, logTo(t), []string{"om"})
	if err != nil {
		t.Fatal(err)
	}
	a, b := net.Pipe()
	relayed := make(chan error, 1)
	go func() { relayed <- Relay(ctx, argv[4], argv[6], argv[8], b, b); b.Close() }()
	l := libvirt.NewWithDialer(pipeDialer{a})
	if err := l.ConnectToURI(libvirt.QEMUSystem); err != nil {
		t.Fatalf("connection open through the relay: %v", err)
	}
	_, _, err = l.ConnectListAllDomains(1, 0)
	t.Logf("list domains: %v", err)
	if err == nil || !strings.Contains(err.Error(), "receiving node refused it: procedure 273") {
		t.Errorf("a domain list through the receiving end: %v, want refused", err)
	}
	l.Disconnect()
	if err := <-relayed; err == nil || !strings.Contains(err.Error(), "refused") {
		t.Errorf("relay ended with %v", err)
	}

	if err := d[0].Start(ctx, logTo(t)); err != nil {
		t.Fatal(err)
	}
	before := uptime(t, d[0])
	for _, c := range []struct {
		name  string
		dst   *driver
		wants string
	}{
		{"live_migrate unset there", m.drivers(t, map[string]cty.Value{"live_migrate": cty.False})[1], "does not say live_migrate = true"},
		{"another domain there", other(t, m.drivers(t, nil)[1]), "this node receives tmig2.vm"},
	} {
		err := d[0].Migrate(ctx, logTo(t), target(t, c.dst))
		t.Logf("%s: %v", c.name, err)
		if err == nil || !strings.Contains(err.Error(), "it still runs here") {
			t.Errorf("%s: migrate: %v, want a failure with the guest still here", c.name, err)
		}
		if !strings.Contains(err.Error(), c.wants) {
			t.Errorf("%s: the failure does not say %q", c.name, c.wants)
		}
		if st := d[0].Status(ctx); st.State != providers.Up {
			t.Errorf("%s: source status: %+v", c.name, st)
		}
	}
	if after := uptime(t, d[0]); after < before {
		t.Errorf("the guest rebooted: uptime %.2f, then %.2f", before, after)
	}
	if !m.answers(time.Second) {
		t.Error("the guest's address does not answer after the refused migrations")
	}
}

// other is d as the resource of another service: another domain (its
// name and UUID), on the same libvirtd.
func other(t *testing.T, d *driver) *driver {
	r := *d.r
	r.Service = "tmig2"
	o, err := New(&r)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { removeDomain(d.endpoint(), "tmig2.vm") })
	return o.(*driver)
}

// rpc is a packet of a call to procedure proc of program prog, with body.
func rpc(prog uint32, proc int32, typ int32, serial uint32, body []byte) []byte {
	w := &xdrWriter{}
	for _, v := range []uint32{0, prog, 1, uint32(proc), uint32(typ), serial, 0} {
		w.u32(v)
	}
	w.b = append(w.b, body...)
	return packet(w.b[:headerLen], w.b[headerLen:])
}

func prepareBody(flags uint32, params ...typedParam) []byte {
	w := &xdrWriter{}
	w.params(params)
	w.opaque(nil)
	w.u32(flags)
	return w.b
}

// The receiving end's filter, packet by packet: what a member may send
// and what it may not, however it words it.
func TestRelayFilter(t *testing.T) {
	const name, uuid = "svc.vm", "d8d689b9-ebfa-5736-bf77-02d7d9a132d6"
	own := "<domain type='qemu'><name>" + name + "</name><uuid>" + uuid + "</uuid></domain>"
	xmlOf := func(n, u string) typedParam {
		return typedParam{field: paramDestXML, typ: paramString, str: "<domain type='qemu'><name>" + n + "</name><uuid>" + u + "</uuid></domain>"}
	}
	flags := uint32(migrateFlags | libvirt.MigrateChangeProtection)
	open := func(uri string) []byte {
		w := &xdrWriter{}
		w.u32(1)
		w.str(uri)
		w.u32(0)
		return w.b
	}
	for _, c := range []struct {
		name string
		pkts [][]byte
		want string // "" accepted
	}{
		{"a migration", [][]byte{rpc(remoteProgram, procConnectOpen, msgCall, 1, open("qemu:///system")), rpc(remoteProgram, procPrepareTunnel3Params, msgCall, 2, prepareBody(flags, xmlOf(name, uuid))), rpc(remoteProgram, procPrepareTunnel3Params, msgStream, 2, []byte("RAM")), rpc(keepaliveProgram, 1, msgCall, 0, nil)}, ""},
		{"another driver", [][]byte{rpc(remoteProgram, procConnectOpen, msgCall, 1, open("lxc:///system"))}, `a connection to "lxc:///system"`},
		{"qemu-monitor-command", [][]byte{rpc(0x20008087, 1, msgCall, 1, nil)}, "program 0x20008087"},
		{"define a domain", [][]byte{rpc(remoteProgram, 11, msgCall, 1, nil)}, "procedure 11"},
		{"a stream before the prepare", [][]byte{rpc(remoteProgram, procPrepareTunnel3Params, msgStream, 2, []byte("RAM"))}, "only the migration's own stream"},
		{"another domain", [][]byte{rpc(remoteProgram, procPrepareTunnel3Params, msgCall, 2, prepareBody(flags, xmlOf("svc.other", uuid)))}, "this node receives svc.vm"},
		{"another UUID", [][]byte{rpc(remoteProgram, procPrepareTunnel3Params, msgCall, 2, prepareBody(flags, xmlOf(name, "00000000-0000-4000-8000-000000000001")))}, "this node receives svc.vm"},
		{"renamed on arrival", [][]byte{rpc(remoteProgram, procPrepareTunnel3Params, msgCall, 2, prepareBody(flags, xmlOf(name, uuid), typedParam{field: paramDestName, typ: paramString, str: "x"}))}, `naming the domain "x"`},
		{"a persistent definition", [][]byte{rpc(remoteProgram, procPrepareTunnel3Params, msgCall, 2, prepareBody(flags, xmlOf(name, uuid), typedParam{field: paramPersistXML, typ: paramString, str: "<domain/>"}))}, "keeps its own"},
		{"persist dest", [][]byte{rpc(remoteProgram, procPrepareTunnel3Params, msgCall, 2, prepareBody(flags|uint32(libvirt.MigratePersistDest), xmlOf(name, uuid)))}, "VIR_MIGRATE_PERSIST_DEST"},
		{"a disk copy", [][]byte{rpc(remoteProgram, procPrepareTunnel3Params, msgCall, 2, prepareBody(flags|uint32(libvirt.MigrateNonSharedDisk), xmlOf(name, uuid)))}, "migration flags 0x40"},
		{"not tunnelled", [][]byte{rpc(remoteProgram, procPrepareTunnel3Params, msgCall, 2, prepareBody(uint32(libvirt.MigrateLive|libvirt.MigratePeer2peer), xmlOf(name, uuid)))}, "not tunnelled"},
		{"no definition", [][]byte{rpc(remoteProgram, procPrepareTunnel3Params, msgCall, 2, prepareBody(flags))}, "without the domain's definition"},
	} {
		f := &filter{name: name, uuid: uuid, xml: own}
		var err error
		for _, p := range c.pkts {
			var fwd []byte
			if fwd, err = f.check(p); err != nil {
				break
			}
			if header(p).proc == procPrepareTunnel3Params && header(p).typ == msgCall && !strings.Contains(string(fwd), own) {
				t.Errorf("%s: the prepare forwarded does not carry this node's definition", c.name)
			}
		}
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%s: refused: %v", c.name, err)
		case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
			t.Errorf("%s: %v, want a refusal saying %q", c.name, err, c.want)
		}
	}
}
