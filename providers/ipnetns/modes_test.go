package ipnetns

import (
	"errors"
	"net"
	"net/netip"
	"slices"
	"strings"
	"testing"

	"github.com/omhcl/omhcl/providers"
	"github.com/omhcl/omhcl/testfixtures/netlab"
	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"
)

// TestModes plumbs the address in each mode, reaches it from the peer,
// checks the default route, then stops and finds nothing left on either
// side. bridge uses an `ip netns` named namespace, the others a process's
// /proc/PID/ns/net. ipvlan is skipped on kernels without it (start then
// says so and leaves nothing).
func TestModes(t *testing.T) {
	for _, mode := range []string{modeMacvlan, modeIPvlan, modeBridge} {
		t.Run(mode, func(t *testing.T) {
			l := newLab(t, mode == modeBridge)
			var netnsAttr, path string
			if mode == modeBridge {
				ns := netlab.NewNS(t, "ipn-ctr")
				netnsAttr, path = ns.Name, ns.Path
			} else {
				path, _ = container(t)
				netnsAttr = path
			}
			d := newDriver(t, map[string]string{"ipname": "198.18.20.10/24", "ipdev": l.parent,
				"netns": netnsAttr, "mode": mode, "gateway": "198.18.20.1"})
			ctx, log := t.Context(), newLog(t)
			hostLinks := linkNames(t, l.host.Handle())
			var startErr error
			_ = l.host.Do(func() error {
				if st := d.Status(ctx); st.State != providers.Down {
					t.Errorf("status before start: %s %q", st.State, st.Messages)
				}
				if startErr = d.CheckStart(ctx, log); startErr == nil {
					startErr = d.Start(ctx, log)
				}
				return nil
			})
			if errors.Is(startErr, unix.EOPNOTSUPP) {
				if got := linkNames(t, handleIn(t, path)); !slices.Equal(got, []string{"lo"}) {
					t.Errorf("links inside after the failed start: %v", got)
				}
				t.Skipf("%v", startErr)
			}
			if startErr != nil {
				t.Fatal(startErr)
			}
			in := handleIn(t, path)
			eth0, err := in.LinkByName("eth0")
			if err != nil {
				t.Fatalf("no eth0 inside after start (links %v): %v", linkNames(t, in), err)
			}
			addrs, _ := in.AddrList(eth0, netlink.FAMILY_V4)
			if len(addrs) != 1 || addrs[0].IPNet.String() != "198.18.20.10/24" {
				t.Errorf("addresses on eth0 inside: %v", addrs)
			}
			routes, _ := in.RouteList(nil, netlink.FAMILY_V4)
			if !slices.ContainsFunc(routes, func(r netlink.Route) bool {
				return (r.Dst == nil || r.Dst.String() == "0.0.0.0/0") && r.Gw.String() == "198.18.20.1"
			}) {
				t.Errorf("no default route via 198.18.20.1 inside: %v", routes)
			}
			l.do(t, func() error {
				if st := d.Status(ctx); st.State != providers.Up {
					t.Errorf("status after start: %s %q", st.State, st.Messages)
				}
				return nil
			})
			if err := dialFrom(l.peer, listenIn(t, path, "198.18.20.10:0")); err != nil {
				t.Errorf("peer cannot reach the address inside: %v", err)
			}
			l.do(t, func() error { return d.Stop(ctx, log) })
			if got := linkNames(t, in); !slices.Equal(got, []string{"lo"}) {
				t.Errorf("links inside after stop: %v", got)
			}
			if got := linkNames(t, l.host.Handle()); !slices.Equal(got, hostLinks) {
				t.Errorf("host-side links after stop: %v, before start: %v", got, hostLinks)
			}
			l.do(t, func() error {
				if st := d.Status(ctx); st.State != providers.Down {
					t.Errorf("status after stop: %s %q", st.State, st.Messages)
				}
				return d.Stop(ctx, log) // idempotent
			})
		})
	}
}

// TestConflict: the peer holds the address: start aborts with
// ErrConflict and nothing is created inside nor on the host side.
func TestConflict(t *testing.T) {
	for _, mode := range []string{modeMacvlan, modeBridge} {
		t.Run(mode, func(t *testing.T) {
			l := newLab(t, mode == modeBridge)
			netlab.AddAddr(t, l.peer, "v1", "198.18.20.10/24")
			path, _ := container(t)
			d := newDriver(t, map[string]string{"ipname": "198.18.20.10/24", "ipdev": l.parent, "netns": path, "mode": mode})
			hostLinks := linkNames(t, l.host.Handle())
			var checkErr, startErr error
			l.do(t, func() error {
				checkErr = d.CheckStart(t.Context(), newLog(t))
				startErr = d.Start(t.Context(), newLog(t))
				return nil
			})
			for what, err := range map[string]error{"check start": checkErr, "start": startErr} {
				if !errors.Is(err, providers.ErrConflict) || !strings.Contains(err.Error(), "ip#0") {
					t.Errorf("%s: %v, want a conflict naming ip#0", what, err)
				}
			}
			if got := linkNames(t, handleIn(t, path)); !slices.Equal(got, []string{"lo"}) {
				t.Errorf("links inside after the conflict: %v", got)
			}
			if got := linkNames(t, l.host.Handle()); !slices.Equal(got, hostLinks) {
				t.Errorf("host-side links after the conflict: %v", got)
			}
		})
	}
}

// TestRestartedContainer: the container's process dies and a new one
// starts: the old path says down and why, the new one is plumbed again.
func TestRestartedContainer(t *testing.T) {
	l := newLab(t, false)
	path, kill := container(t)
	attrs := map[string]string{"ipname": "198.18.20.10/24", "ipdev": "v0", "netns": path, "arp_probe_wait": "0s"}
	d := newDriver(t, attrs)
	ctx := t.Context()
	l.do(t, func() error { return d.Start(ctx, newLog(t)) })
	kill()
	l.do(t, func() error {
		st := d.Status(ctx)
		if st.State != providers.Down || len(st.Messages) != 1 || !strings.Contains(st.Messages[0], "no longer exists") || !strings.Contains(st.Messages[0], "restarted") {
			t.Errorf("status of the dead container's path: %s %q", st.State, st.Messages)
		}
		return d.Stop(ctx, newLog(t)) // nothing left to remove: not an error
	})
	path2, _ := container(t)
	attrs["netns"] = path2
	d2 := newDriver(t, attrs)
	l.do(t, func() error {
		if st := d2.Status(ctx); st.State != providers.Down {
			t.Errorf("new container before apply: %s %q", st.State, st.Messages)
		}
		if err := d2.Start(ctx, newLog(t)); err != nil {
			return err
		}
		if st := d2.Status(ctx); st.State != providers.Up {
			t.Errorf("new container after apply: %s %q", st.State, st.Messages)
		}
		return nil
	})
}

// TestAnnounceFromInside: the peer's stale neighbour entry for the
// address moves to the inside interface's MAC after start.
func TestAnnounceFromInside(t *testing.T) {
	l := newLab(t, false)
	ip := netip.MustParseAddr("198.18.20.10")
	old, _ := net.ParseMAC("02:00:00:00:00:99")
	netlab.SetNeigh(t, l.peer, "v1", ip, old)
	path, _ := container(t)
	d := newDriver(t, map[string]string{"ipname": "198.18.20.10", "netmask": "255.255.255.0", "ipdev": "v0", "netns": path, "ifname": "svc0", "arp_probe_wait": "0s"})
	log := newLog(t)
	l.do(t, func() error { return d.Start(t.Context(), log) })
	in := handleIn(t, path)
	link, err := in.LinkByName("svc0")
	if err != nil {
		t.Fatal(err)
	}
	want := link.Attrs().HardwareAddr
	if got := netlab.NeighMAC(t, l.peer, "v1", ip); got.String() != want.String() {
		t.Errorf("peer's entry for %s: %s, want the inside MAC %s", ip, got, want)
	}
	if !slices.ContainsFunc(log.Lines(), func(s string) bool { return strings.Contains(s, "gratuitous arp") && strings.Contains(s, "svc0") }) {
		t.Errorf("log:\n%s", strings.Join(log.Lines(), "\n"))
	}
}
