package iphost

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/omhcl/omhcl/providers"
	"github.com/omhcl/omhcl/testfixtures/netlab"
	"github.com/vishvananda/netlink"
)

// lab is our node's namespace (link v0, where the driver acts) joined to a
// peer's namespace (link v1) by a veth.
type lab struct {
	me, peer *netlab.NS
}

func newLab(t *testing.T) *lab {
	netlab.RequireRoot(t)
	l := &lab{me: netlab.NewNS(t, "iph-me"), peer: netlab.NewNS(t, "iph-peer")}
	netlab.Veth(t, l.me, "v0", l.peer, "v1")
	return l
}

// driver returns the driver of an ip resource on v0 in our namespace;
// attrs add to or override ipdev and netns.
func (l *lab) driver(t *testing.T, attrs map[string]string) *driver {
	t.Helper()
	all := map[string]string{"ipdev": "v0", "netns": l.me.Name}
	for k, v := range attrs {
		all[k] = v
	}
	d, err := New(resource(all))
	if err != nil {
		t.Fatal(err)
	}
	return d.(*driver)
}

// addrsOn lists the addresses of dev in ns, as "ip/len".
func addrsOn(t *testing.T, ns *netlab.NS, dev string) []string {
	t.Helper()
	list, err := ns.Handle().AddrList(ns.Link(t, dev), netlink.FAMILY_ALL)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, a := range list {
		if !a.IP.IsLinkLocalUnicast() {
			out = append(out, a.IPNet.String())
		}
	}
	return out
}

func hasLine(lines []string, want string) bool {
	for _, l := range lines {
		if strings.TrimSpace(l) == want {
			return true
		}
	}
	return false
}

func newLog(t *testing.T) *providers.Log {
	return providers.NewLog(t.Output()).For("n1", "svc1", "ip#0")
}

func mustState(t *testing.T, d *driver, want providers.State) providers.Status {
	t.Helper()
	st := d.Status(t.Context())
	if st.State != want {
		t.Fatalf("status %s %q, want %s", st.State, st.Messages, want)
	}
	return st
}

func TestStartStopCycle(t *testing.T) {
	l := newLab(t)
	ctx := t.Context()
	d := l.driver(t, map[string]string{"ipname": "198.18.4.10/24"})
	mustState(t, d, providers.Down)

	addCmd := "ip -n " + l.me.Name + " addr add 198.18.4.10/24 dev v0"
	want := []string{
		"arp probe 198.18.4.10 on v0 in netns " + l.me.Name + " (300ms), abort on answer",
		addCmd,
		"arp announce 198.18.4.10 on v0 in netns " + l.me.Name,
	}
	if got := d.Operations(ctx, providers.ActStart); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("start operations:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	// Operations depend on the settings only, never on the live state: the
	// planner decides whether an action runs.
	delOps := d.Operations(ctx, providers.ActStop)
	if len(delOps) != 1 || !strings.Contains(delOps[0], "addr del 198.18.4.10/24 dev v0") {
		t.Errorf("stop operations: %q", delOps)
	}

	log := newLog(t)
	if err := d.CheckStart(ctx, log); err != nil {
		t.Fatalf("check start on a free address: %v", err)
	}
	if err := d.Start(ctx, log); err != nil {
		t.Fatalf("start: %v", err)
	}
	for _, line := range []string{"checking 198.18.4.10 availability (300ms)", addCmd, "send gratuitous arp to announce 198.18.4.10 is at v0"} {
		if !hasLine(log.Lines(), line) {
			t.Errorf("log lacks %q:\n%s", line, strings.Join(log.Lines(), "\n"))
		}
	}
	if got := addrsOn(t, l.me, "v0"); len(got) != 1 || got[0] != "198.18.4.10/24" {
		t.Fatalf("addresses on v0 after start: %v", got)
	}
	mustState(t, d, providers.Up)
	if got := d.Operations(ctx, providers.ActStart); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("start operations changed with the live state: %q", got)
	}
	if got := d.Describe(); got != "198.18.4.10/24 v0 netns "+l.me.Name {
		t.Errorf("describe: %q", got)
	}

	again := newLog(t)
	if err := d.Start(ctx, again); err != nil {
		t.Fatalf("second start: %v", err)
	}
	if !hasLine(again.Lines(), "198.18.4.10/24 is already up on v0") || len(again.Lines()) != 2 {
		t.Errorf("second start logged:\n%s", strings.Join(again.Lines(), "\n"))
	}

	delCmd := "ip -n " + l.me.Name + " addr del 198.18.4.10/24 dev v0"
	if got := d.Operations(ctx, providers.ActStop); len(got) != 1 || got[0] != delCmd {
		t.Errorf("stop operations: %q", got)
	}
	stop := newLog(t)
	if err := d.Stop(ctx, stop); err != nil {
		t.Fatalf("stop: %v", err)
	}
	if !hasLine(stop.Lines(), delCmd) {
		t.Errorf("stop logged:\n%s", strings.Join(stop.Lines(), "\n"))
	}
	if got := addrsOn(t, l.me, "v0"); len(got) != 0 {
		t.Fatalf("addresses on v0 after stop: %v", got)
	}
	mustState(t, d, providers.Down)
	stop = newLog(t)
	if err := d.Stop(ctx, stop); err != nil || !hasLine(stop.Lines(), "198.18.4.10 is already down on v0") {
		t.Errorf("second stop: %v, logged %q", err, stop.Lines())
	}
}

func TestNetmaskFromIpdevSubnet(t *testing.T) {
	l := newLab(t)
	netlab.AddAddr(t, l.me, "v0", "198.18.5.1/26")
	d := l.driver(t, map[string]string{"ipname": "198.18.5.10"})
	exp := d.Exposed(t.Context())
	if exp["ipaddr"].AsString() != "198.18.5.10" || !exp["prefix"].IsKnown() || exp["prefix"].AsBigFloat().String() != "26" {
		t.Errorf("exposed before start: %#v", exp)
	}
	if err := d.Start(t.Context(), newLog(t)); err != nil {
		t.Fatal(err)
	}
	if got := addrsOn(t, l.me, "v0"); len(got) != 2 || got[1] != "198.18.5.10/26" {
		t.Errorf("addresses on v0: %v, want 198.18.5.10/26 added", got)
	}

	outside := l.driver(t, map[string]string{"ipname": "198.18.6.10"})
	err := outside.Start(t.Context(), newLog(t))
	if err == nil || err.Error() != "netmask required: no address on v0 in the same subnet as 198.18.6.10" {
		t.Errorf("start outside every subnet of v0: %v", err)
	}
	ops := outside.Operations(t.Context(), providers.ActStart)
	if len(ops) != 3 || !strings.Contains(ops[1], "198.18.6.10/(prefix of v0)") {
		t.Errorf("start operations outside every subnet: %q", ops)
	}
}

func TestDottedNetmask(t *testing.T) {
	l := newLab(t)
	d := l.driver(t, map[string]string{"ipname": "198.18.7.10", "netmask": "255.255.255.128", "arp_probe_wait": "0s"})
	if ops := d.Operations(t.Context(), providers.ActStart); len(ops) != 2 || !strings.HasSuffix(ops[0], "addr add 198.18.7.10/25 dev v0") {
		t.Errorf("start operations without probe: %q", ops)
	}
	log := newLog(t)
	if err := d.CheckStart(t.Context(), log); err != nil || !hasLine(log.Lines(), "skip 198.18.7.10 availability check: arp_probe_wait is 0s") {
		t.Errorf("check start with the probe disabled: %v, logged %q", err, log.Lines())
	}
	if err := d.Start(t.Context(), log); err != nil {
		t.Fatal(err)
	}
	if got := addrsOn(t, l.me, "v0"); len(got) != 1 || got[0] != "198.18.7.10/25" {
		t.Errorf("addresses on v0: %v", got)
	}
}

func TestNameResolution(t *testing.T) {
	l := newLab(t)
	d := l.driver(t, map[string]string{"ipname": "web.svc1.test", "netmask": "24"})
	var asked []string
	d.res.Lookup = func(ctx context.Context, host string) ([]netip.Addr, error) {
		asked = append(asked, host)
		return []netip.Addr{netip.MustParseAddr("2001:db8::8"), netip.MustParseAddr("::ffff:198.18.8.10")}, nil
	}
	if err := d.Start(t.Context(), newLog(t)); err != nil {
		t.Fatal(err)
	}
	if got := addrsOn(t, l.me, "v0"); len(got) != 1 || got[0] != "198.18.8.10/24" {
		t.Errorf("addresses on v0: %v, want the IPv4 address of the name", got)
	}
	if got := d.Describe(); got != "198.18.8.10/24 v0 web.svc1.test netns "+l.me.Name {
		t.Errorf("describe: %q", got)
	}
	if len(asked) != 1 || asked[0] != "web.svc1.test" {
		t.Errorf("lookups: %q, want one for web.svc1.test", asked)
	}

	bad := l.driver(t, map[string]string{"ipname": "nowhere.test", "netmask": "24"})
	bad.res.Lookup = func(ctx context.Context, host string) ([]netip.Addr, error) {
		return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
	}
	st := mustState(t, bad, providers.Down)
	if len(st.Messages) != 1 || !strings.Contains(st.Messages[0], `resolve ipname "nowhere.test"`) {
		t.Errorf("status of an unresolvable name: %q", st.Messages)
	}
	if err := bad.Start(t.Context(), newLog(t)); err == nil || !strings.Contains(err.Error(), "no such host") {
		t.Errorf("start with an unresolvable name: %v", err)
	}
}

// TestGratuitousARPMovesPeerCache plays a failover: the peer still caches
// the service address at the old holder's MAC; start must repoint it.
func TestGratuitousARPMovesPeerCache(t *testing.T) {
	l := newLab(t)
	netlab.AddAddr(t, l.peer, "v1", "198.18.9.2/24")
	ip := netip.MustParseAddr("198.18.9.10")
	netlab.SetNeigh(t, l.peer, "v1", ip, net.HardwareAddr{0x02, 0, 0, 0, 0, 0x77})
	d := l.driver(t, map[string]string{"ipname": "198.18.9.10/24"})
	if err := d.Start(t.Context(), newLog(t)); err != nil {
		t.Fatal(err)
	}
	waitPeerCache(t, l, ip)
}

// waitPeerCache waits up to a second for the peer to cache ip at v0's MAC
// (the peer's kernel handles the announcement asynchronously).
func waitPeerCache(t *testing.T, l *lab, ip netip.Addr) {
	t.Helper()
	want := netlab.MAC(t, l.me, "v0").String()
	var got net.HardwareAddr
	for range 50 {
		if got = netlab.NeighMAC(t, l.peer, "v1", ip); got.String() == want {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Errorf("peer caches %s at %s after start, want our %s", ip, got, want)
}

func TestConflictVetoesStart(t *testing.T) {
	for _, c := range []struct{ ipname, peerCIDR string }{
		{"198.18.10.10/24", "198.18.10.10/24"},
		{"2001:db8:a::10/64", "2001:db8:a::10/64"},
	} {
		t.Run(c.ipname, func(t *testing.T) {
			l := newLab(t)
			netlab.AddAddr(t, l.peer, "v1", c.peerCIDR)
			d := l.driver(t, map[string]string{"ipname": c.ipname, "arp_probe_wait": "1s"})
			begin := time.Now()
			err := d.CheckStart(t.Context(), newLog(t))
			took := time.Since(begin)
			t.Logf("conflict check took %v: %v", took, err)
			if !errors.Is(err, providers.ErrConflict) {
				t.Fatalf("check start of an address the peer holds: %v, want ErrConflict", err)
			}
			if mac := netlab.MAC(t, l.peer, "v1").String(); !strings.Contains(err.Error(), mac) {
				t.Errorf("conflict %q does not name the peer's MAC %s", err, mac)
			}
			if took > 1500*time.Millisecond {
				t.Errorf("conflict found after %v, the probe waits 1s", took)
			}
			if got := addrsOn(t, l.me, "v0"); len(got) != 0 {
				t.Errorf("addresses on v0 after a vetoed start: %v", got)
			}
		})
	}
}

func TestFreeAddressProbeDuration(t *testing.T) {
	l := newLab(t)
	netlab.AddAddr(t, l.peer, "v1", "198.18.11.2/24")
	d := l.driver(t, map[string]string{"ipname": "198.18.11.10/24", "arp_probe_wait": "400ms"})
	begin := time.Now()
	if err := d.CheckStart(t.Context(), newLog(t)); err != nil {
		t.Fatalf("check start of a free address: %v", err)
	}
	took := time.Since(begin)
	t.Logf("free address check took %v (arp_probe_wait 400ms)", took)
	if took < 400*time.Millisecond {
		t.Errorf("check returned after %v, before arp_probe_wait", took)
	}
}

func TestCarrierWarning(t *testing.T) {
	l := newLab(t)
	d := l.driver(t, map[string]string{"ipname": "198.18.12.10/24"})
	if err := d.Start(t.Context(), newLog(t)); err != nil {
		t.Fatal(err)
	}
	mustState(t, d, providers.Up)
	netlab.SetDown(t, l.peer, "v1")
	st := mustState(t, d, providers.Warn)
	if len(st.Messages) != 1 || st.Messages[0] != "no carrier on v0" {
		t.Errorf("warn messages: %q", st.Messages)
	}
	mustState(t, l.driver(t, map[string]string{"ipname": "198.18.12.10/24", "check_carrier": "false"}), providers.Up)
	netlab.SetDown(t, l.me, "v0")
	st = mustState(t, d, providers.Warn)
	if len(st.Messages) != 1 || st.Messages[0] != "v0 is down" {
		t.Errorf("warn messages with v0 down: %q", st.Messages)
	}
}

func TestNetnsAsPath(t *testing.T) {
	l := newLab(t)
	d := l.driver(t, map[string]string{"ipname": "198.18.13.10/24", "netns": l.me.Path})
	log := newLog(t)
	if err := d.Start(t.Context(), log); err != nil {
		t.Fatal(err)
	}
	if !hasLine(log.Lines(), "nsenter --net="+l.me.Path+" ip addr add 198.18.13.10/24 dev v0") {
		t.Errorf("start logged:\n%s", strings.Join(log.Lines(), "\n"))
	}
	if got := addrsOn(t, l.me, "v0"); len(got) != 1 {
		t.Errorf("addresses on v0: %v", got)
	}
	mustState(t, d, providers.Up)
}

// TestCurrentNamespace runs the driver without netns from a thread inside
// the lab namespace, as the engine runs in its own.
func TestCurrentNamespace(t *testing.T) {
	l := newLab(t)
	netlab.AddAddr(t, l.peer, "v1", "198.18.14.10/24")
	free := l.driver(t, map[string]string{"ipname": "198.18.14.20/24", "netns": ""})
	taken := l.driver(t, map[string]string{"ipname": "198.18.14.10/24", "netns": ""})
	var conflict error
	err := l.me.Do(func() error {
		ctx := context.Background()
		if err := free.CheckStart(ctx, newLog(t)); err != nil {
			return err
		}
		if err := free.Start(ctx, newLog(t)); err != nil {
			return err
		}
		if st := free.Status(ctx); st.State != providers.Up {
			return errors.New("status " + string(st.State) + " after start")
		}
		conflict = taken.CheckStart(ctx, newLog(t))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := addrsOn(t, l.me, "v0"); len(got) != 1 || got[0] != "198.18.14.20/24" {
		t.Errorf("addresses on v0: %v", got)
	}
	if !errors.Is(conflict, providers.ErrConflict) {
		t.Errorf("conflict check in the current namespace: %v", conflict)
	}
}

func TestIPv6StartStop(t *testing.T) {
	l := newLab(t)
	netlab.AddAddr(t, l.peer, "v1", "2001:db8:f::2/64")
	ip := netip.MustParseAddr("2001:db8:f::10")
	netlab.SetNeigh(t, l.peer, "v1", ip, net.HardwareAddr{0x02, 0, 0, 0, 0, 0x66})
	d := l.driver(t, map[string]string{"ipname": "2001:db8:f::10", "netmask": "64"})
	ops := d.Operations(t.Context(), providers.ActStart)
	if len(ops) != 3 || !strings.HasPrefix(ops[0], "ndp probe 2001:db8:f::10 on v0") || !strings.HasSuffix(ops[1], "addr add 2001:db8:f::10/64 dev v0 nodad") {
		t.Errorf("start operations: %q", ops)
	}
	log := newLog(t)
	if err := d.CheckStart(t.Context(), log); err != nil {
		t.Fatal(err)
	}
	if err := d.Start(t.Context(), log); err != nil {
		t.Fatal(err)
	}
	if !hasLine(log.Lines(), "send unsolicited neighbor advertisement to announce 2001:db8:f::10 is at v0") {
		t.Errorf("start logged:\n%s", strings.Join(log.Lines(), "\n"))
	}
	if got := addrsOn(t, l.me, "v0"); len(got) != 1 || got[0] != "2001:db8:f::10/64" {
		t.Errorf("addresses on v0: %v", got)
	}
	mustState(t, d, providers.Up)
	waitPeerCache(t, l, ip)
	if err := d.Stop(t.Context(), newLog(t)); err != nil {
		t.Fatal(err)
	}
	mustState(t, d, providers.Down)
}

func TestMissingIpdev(t *testing.T) {
	l := newLab(t)
	d := l.driver(t, map[string]string{"ipname": "198.18.15.10/24", "ipdev": "nosuch0"})
	st := mustState(t, d, providers.Down)
	want := "ipdev nosuch0 not found in netns " + l.me.Name
	if len(st.Messages) != 1 || st.Messages[0] != want {
		t.Errorf("status messages %q, want %q", st.Messages, want)
	}
	if err := d.Start(t.Context(), newLog(t)); err == nil || err.Error() != want {
		t.Errorf("start: %v", err)
	}
	if err := d.CheckStart(t.Context(), newLog(t)); err == nil || errors.Is(err, providers.ErrConflict) {
		t.Errorf("check start: %v, want a plain error", err)
	}
	log := newLog(t)
	if err := d.Stop(t.Context(), log); err != nil || !hasLine(log.Lines(), "198.18.15.10 is already down: "+want) {
		t.Errorf("stop: %v, logged %q", err, log.Lines())
	}
	if ops := d.Operations(t.Context(), providers.ActStart); len(ops) != 3 || ops[1] != "ip -n "+l.me.Name+" addr add 198.18.15.10/24 dev nosuch0" {
		t.Errorf("start operations: %q", ops)
	}

	nons := l.driver(t, map[string]string{"ipname": "198.18.15.10/24", "netns": "iph-absent-ns"})
	st = mustState(t, nons, providers.Down)
	if len(st.Messages) != 1 || !strings.Contains(st.Messages[0], "open netns iph-absent-ns") {
		t.Errorf("status with a missing netns: %q", st.Messages)
	}
}

func TestCheckAvailable(t *testing.T) {
	l := newLab(t)
	netlab.AddAddr(t, l.peer, "v1", "198.18.16.2/24")
	netlab.AddAddr(t, l.me, "v0", "198.18.16.1/24")
	ctx := t.Context()
	wait := 200 * time.Millisecond
	if err := CheckAvailable(ctx, l.me.Name, "v0", netip.MustParseAddr("198.18.16.2"), wait); !errors.Is(err, providers.ErrConflict) {
		t.Errorf("peer's address: %v, want ErrConflict", err)
	}
	if err := CheckAvailable(ctx, l.me.Name, "v0", netip.MustParseAddr("198.18.16.3"), wait); err != nil {
		t.Errorf("free address: %v", err)
	}
	if err := CheckAvailable(ctx, l.me.Name, "v0", netip.MustParseAddr("198.18.16.1"), wait); err != nil {
		t.Errorf("our own address: %v", err)
	}
	if err := CheckAvailable(ctx, l.me.Name, "lo", netip.MustParseAddr("198.18.16.3"), wait); err == nil || !strings.Contains(err.Error(), "lo has no ethernet address") {
		t.Errorf("on lo: %v", err)
	}
}
