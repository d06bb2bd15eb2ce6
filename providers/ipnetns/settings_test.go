package ipnetns

import (
	"context"
	"strings"
	"testing"

	"github.com/omhcl/omhcl/providers"
)

func TestSettingsErrors(t *testing.T) {
	base := func(k, v string) map[string]string {
		a := map[string]string{"ipname": "198.18.0.10/24", "ipdev": "eth0", "netns": "/proc/1/ns/net"}
		if v == "" {
			delete(a, k)
		} else {
			a[k] = v
		}
		return a
	}
	cases := []struct {
		attrs      map[string]string
		attr, want string
	}{
		{base("netns", "container#0"), "netns", "use container.0.netns_path"},
		{base("netns", "container#pause"), "netns", "use container.pause.netns_path"},
		{base("netns", "proc/1/ns/net"), "netns", "must be absolute"},
		{base("netns", ""), "netns", "netns is required"},
		{base("mode", "vepa"), "mode", `mode "vepa" is not one of`},
		{base("ifname", "averyverylongname0"), "ifname", "not a valid interface name"},
		{base("ipname", "198.18.0.10"), "netmask", "netmask is required"},
		{base("gateway", "2001:db8::1"), "gateway", "not of the family"},
		{base("gateway", "router"), "gateway", "not an address"},
		{base("ipdev", ""), "ipdev", "ipdev is required"},
	}
	for _, c := range cases {
		_, errs := readSettings(resource(c.attrs))
		if len(errs) != 1 || errs[0].Attr != c.attr || !strings.Contains(errs[0].Msg, c.want) {
			t.Errorf("%v: errors %v, want one on %s saying %q", c.attrs, errs, c.attr, c.want)
		}
	}
	if _, err := New(resource(base("netns", "~"))); err != nil {
		t.Errorf("unknown netns (container down) refused: %v", err)
	}
}

// TestOperations: plans read as ip commands, from the attributes alone
// (the namespace path does not exist here).
func TestOperations(t *testing.T) {
	d := newDriver(t, map[string]string{"ipname": "198.18.0.10", "netmask": "255.255.255.0", "ipdev": "br0",
		"netns": "/proc/1234/ns/net", "mode": "bridge", "ifname": "eth1", "gateway": "198.18.0.1"})
	host := hostVethName(d.r)
	want := []string{
		"arp probe 198.18.0.10 on br0 (300ms), abort on answer",
		"ip link add " + host + " type veth peer name eth1 netns /proc/1234/ns/net",
		"ip link set " + host + " master br0 up",
		"nsenter --net=/proc/1234/ns/net ip addr add 198.18.0.10/24 dev eth1",
		"nsenter --net=/proc/1234/ns/net ip link set eth1 up",
		"nsenter --net=/proc/1234/ns/net ip route replace default via 198.18.0.1",
		"arp announce 198.18.0.10 from eth1 in netns /proc/1234/ns/net",
	}
	ctx := context.Background()
	if got := d.Operations(ctx, providers.ActStart); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("start:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if got := d.Operations(ctx, providers.ActStop); len(got) != 1 || got[0] != "nsenter --net=/proc/1234/ns/net ip link del eth1" {
		t.Errorf("stop: %q", got)
	}
	planned := newDriver(t, map[string]string{"ipname": "198.18.0.10/24", "ipdev": "eth0", "netns": "~"})
	ops := planned.Operations(ctx, providers.ActStart)
	if len(ops) != 5 || ops[1] != "ip link add link eth0 name (first free ethN) netns (known after apply) type macvlan mode bridge" {
		t.Errorf("start with the namespace unknown:\n%s", strings.Join(ops, "\n"))
	}
	if st := planned.Status(ctx); st.State != providers.Down {
		t.Errorf("status with the namespace unknown: %v", st)
	}
}
