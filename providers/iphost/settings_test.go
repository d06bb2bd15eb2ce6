package iphost

import (
	"context"
	"io"
	"strings"
	"testing"

	"github.com/omhcl/omhcl/providers"
	"github.com/zclconf/go-cty/cty"
)

// resource builds an ip resource from string attributes; "~" values are
// unknown, as during planning.
func resource(attrs map[string]string) *providers.Resource {
	r := &providers.Resource{Service: "svc1", Node: "n1", Kind: "ip", Type: "host", Name: "0", Attrs: map[string]cty.Value{}}
	for k, v := range attrs {
		switch {
		case v == "~":
			r.Attrs[k] = cty.UnknownVal(cty.String)
		case k == "check_carrier":
			r.Attrs[k] = cty.BoolVal(v == "true")
		default:
			r.Attrs[k] = cty.StringVal(v)
		}
	}
	return r
}

func TestParseSettings(t *testing.T) {
	cases := []struct {
		attrs      map[string]string
		host       string
		prefix     int
		wantErrSub string
	}{
		{map[string]string{"ipname": "198.18.0.10/24", "ipdev": "br0"}, "198.18.0.10", 24, ""},
		{map[string]string{"ipname": "198.18.0.10", "ipdev": "br0"}, "198.18.0.10", noPrefix, ""},
		{map[string]string{"ipname": "198.18.0.10", "ipdev": "br0", "netmask": "25"}, "198.18.0.10", 25, ""},
		{map[string]string{"ipname": "198.18.0.10", "ipdev": "br0", "netmask": "255.255.255.224"}, "198.18.0.10", 27, ""},
		{map[string]string{"ipname": "198.18.0.10/24", "ipdev": "br0", "netmask": "255.255.255.0"}, "198.18.0.10", 24, ""},
		{map[string]string{"ipname": "web.example", "ipdev": "br0", "netmask": "24"}, "web.example", 24, ""},
		{map[string]string{"ipname": "2001:db8::10/64", "ipdev": "br0"}, "2001:db8::10", 64, ""},
		{map[string]string{"ipname": "198.18.0.10/24", "ipdev": "br0", "netmask": "25"}, "", 0, "contradicts"},
		{map[string]string{"ipname": "198.18.0.10", "ipdev": "br0", "netmask": "255.0.255.0"}, "", 0, "not contiguous"},
		{map[string]string{"ipname": "198.18.0.10", "ipdev": "br0", "netmask": "wide"}, "", 0, "neither a prefix length nor a dotted mask"},
		{map[string]string{"ipname": "198.18.0.10", "ipdev": "br0", "netmask": "33"}, "", 0, "too long for 198.18.0.10"},
		{map[string]string{"ipname": "198.18.0.10", "ipdev": "br0", "netmask": "129"}, "", 0, "out of 0-128"},
		{map[string]string{"ipname": "198.18.0.300/24", "ipdev": "br0"}, "", 0, "not an address/prefix length"},
		{map[string]string{"ipname": "a b", "ipdev": "br0"}, "", 0, "neither an address nor a host name"},
		{map[string]string{"ipname": "", "ipdev": "br0"}, "", 0, "ipname is required"},
		{map[string]string{"ipname": "198.18.0.10"}, "", 0, "ipdev is required"},
		{map[string]string{"ipname": "198.18.0.10", "ipdev": "averyverylongname0"}, "", 0, "not a valid interface name"},
		{map[string]string{"ipname": "198.18.0.10", "ipdev": "br0", "arp_probe_wait": "soon"}, "", 0, "arp_probe_wait"},
		{map[string]string{"ipname": "198.18.0.10", "ipdev": "br0", "arp_probe_wait": "-1s"}, "", 0, "negative"},
	}
	for _, c := range cases {
		s, err := parseSettings(resource(c.attrs))
		if c.wantErrSub != "" {
			if err == nil || !strings.Contains(err.Error(), c.wantErrSub) {
				t.Errorf("%v: error %v, want one containing %q", c.attrs, err, c.wantErrSub)
			}
			continue
		}
		if err != nil {
			t.Errorf("%v: %v", c.attrs, err)
			continue
		}
		if s.host != c.host || s.prefix != c.prefix {
			t.Errorf("%v: host %q prefix %d, want %q %d", c.attrs, s.host, s.prefix, c.host, c.prefix)
		}
	}
}

func TestNewNamesTheResource(t *testing.T) {
	_, err := New(resource(map[string]string{"ipname": "198.18.0.10", "ipdev": "br0", "netmask": "255.0.255.0"}))
	if err == nil || !strings.HasPrefix(err.Error(), "ip#0: ") {
		t.Errorf("New with a bad netmask: %v, want an error starting with the rid", err)
	}
}

func TestDefaults(t *testing.T) {
	s, err := parseSettings(resource(map[string]string{"ipname": "198.18.0.10", "ipdev": "br0"}))
	if err != nil {
		t.Fatal(err)
	}
	if s.probeWait != DefaultProbeWait || !s.checkCarrier || s.netns != "" {
		t.Errorf("defaults: wait %v check_carrier %v netns %q", s.probeWait, s.checkCarrier, s.netns)
	}
	s, _ = parseSettings(resource(map[string]string{"ipname": "198.18.0.10", "ipdev": "br0", "check_carrier": "false", "arp_probe_wait": "0s"}))
	if s.probeWait != 0 || s.checkCarrier {
		t.Errorf("explicit: wait %v check_carrier %v", s.probeWait, s.checkCarrier)
	}
}

func TestRegistered(t *testing.T) {
	s, ok := providers.Lookup("ip", "")
	if !ok || s.Key() != "ip.host" || !s.Provisionable || !s.NoData {
		t.Fatalf("default ip driver: %+v (found %v)", s, ok)
	}
}

func TestUnknownAttributesPlan(t *testing.T) {
	ctx := context.Background()
	d, err := New(resource(map[string]string{"ipname": "~", "ipdev": "br0"}))
	if err != nil {
		t.Fatal(err)
	}
	if st := d.Status(ctx); st.State != providers.Down {
		t.Errorf("status with unknown ipname: %v", st)
	}
	want := []string{
		"arp probe (known after apply) on br0 (300ms), abort on answer",
		"ip addr add (known after apply) dev br0",
		"arp announce (known after apply) on br0",
	}
	if got := d.Operations(ctx, providers.ActStart); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("start operations:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if got := d.Operations(ctx, providers.ActStop); len(got) != 1 || got[0] != "ip addr del (known after apply) dev br0" {
		t.Errorf("stop operations: %q", got)
	}
	exp := d.Exposed(ctx)
	if exp["ipaddr"].IsKnown() || exp["prefix"].IsKnown() {
		t.Errorf("exposed with unknown ipname: %v", exp)
	}
	if got := d.Describe(); got != "(known after apply) br0" {
		t.Errorf("describe: %q", got)
	}

	d, _ = New(resource(map[string]string{"ipname": "198.18.0.10/24", "ipdev": "br0", "netns": "~"}))
	want = []string{
		"arp probe 198.18.0.10 on br0 in netns (known after apply) (300ms), abort on answer",
		"ip -n (known after apply) addr add 198.18.0.10/24 dev br0",
		"arp announce 198.18.0.10 on br0 in netns (known after apply)",
	}
	if got := d.Operations(ctx, providers.ActStart); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("start operations with unknown netns:\n%s", strings.Join(got, "\n"))
	}
	d, _ = New(resource(map[string]string{"ipname": "198.18.0.10/24", "ipdev": "br0", "arp_probe_wait": "~"}))
	if got := d.Operations(ctx, providers.ActStart); len(got) != 3 || got[0] != "arp probe 198.18.0.10 on br0 (known after apply), abort on answer" {
		t.Errorf("start operations with unknown arp_probe_wait: %q", got)
	}
	d, _ = New(resource(map[string]string{"ipname": "198.18.0.10/24", "ipdev": "br0", "netns": "~"}))
	exp = d.Exposed(ctx)
	if !exp["ipaddr"].RawEquals(cty.StringVal("198.18.0.10")) || !exp["prefix"].RawEquals(cty.NumberIntVal(24)) {
		t.Errorf("exposed from a literal ipname while netns is unknown: %#v", exp)
	}
	d, _ = New(resource(map[string]string{"ipname": "198.18.0.10/24", "ipdev": "br0", "netmask": "~"}))
	if exp := d.Exposed(ctx); !exp["ipaddr"].RawEquals(cty.StringVal("198.18.0.10")) || exp["prefix"].IsKnown() {
		t.Errorf("exposed while netmask is unknown: %#v", exp)
	}
}

func TestProvisionDoesNothing(t *testing.T) {
	d, _ := New(resource(map[string]string{"ipname": "198.18.0.10/24", "ipdev": "br0"}))
	log := providers.NewLog(io.Discard)
	if err := d.Provision(context.Background(), log); err != nil {
		t.Error(err)
	}
	if err := d.Unprovision(context.Background(), log); err != nil {
		t.Error(err)
	}
	if ops := d.Operations(context.Background(), providers.ActProvision); ops != nil {
		t.Errorf("provision operations %q", ops)
	}
	if len(log.Lines()) != 0 {
		t.Errorf("provision logged %q", log.Lines())
	}
}
