package ipnetns

import (
	"errors"
	"fmt"
	"net/netip"
	"regexp"
	"strings"
	"time"

	"github.com/omhcl/omhcl/providers"
	"github.com/omhcl/omhcl/providers/internal/ipaddr"
)

const (
	modeMacvlan = "macvlan"
	modeIPvlan  = "ipvlan"
	modeBridge  = "bridge"
)

// maxIfNameLen is the longest interface name Linux accepts (IFNAMSIZ-1).
const maxIfNameLen = 15

// ridLike matches a resource id ("container#0"): the seed's way to name
// the namespace, which is not a path.
var ridLike = regexp.MustCompile(`^[a-z]+#[^/]*$`)

// settings are the resource attributes, checked. Unknown strings hold
// providers.Unknown; known says whether all are known.
type settings struct {
	ipname, host string
	prefix       int
	parent       string // ipdev
	netns        string
	mode         string
	ifname       string // "" for the first free ethN
	gateway      netip.Addr
	probeWait    time.Duration
	waitUnknown  bool
	known        bool
}

var attrNames = []string{"ipname", "ipdev", "netns", "mode", "ifname", "netmask", "gateway", "arp_probe_wait"}

// parseSettings is readSettings with the errors joined.
func parseSettings(r *providers.Resource) (settings, error) {
	s, errs := readSettings(r)
	return s, providers.JoinAttrErrors(errs)
}

// readSettings reads and checks the attributes of r, each error naming
// its attribute. Unknown values are checked once known, before start.
func readSettings(r *providers.Resource) (settings, []*providers.AttrError) {
	s := settings{ipname: r.Str("ipname"), parent: r.Str("ipdev"), netns: r.Str("netns"),
		mode: r.Str("mode"), ifname: r.Str("ifname"), known: r.Known(attrNames...)}
	if s.mode == "" {
		s.mode = modeMacvlan
	}
	var errs []*providers.AttrError
	add := func(attr string, err error) {
		if err != nil {
			errs = append(errs, &providers.AttrError{Attr: attr, Msg: err.Error()})
		}
	}
	var nameErr error
	s.host, s.prefix, nameErr = ipaddr.ParseIPName(s.ipname)
	add("ipname", nameErr)
	mask := r.Str("netmask")
	var err error
	s.prefix, err = ipaddr.MergeNetmask(s.ipname, s.prefix, mask)
	add("netmask", err)
	s.probeWait, s.waitUnknown, err = ipaddr.ParseProbeWait(r.Str("arp_probe_wait"), ipaddr.DefaultProbeWait)
	add("arp_probe_wait", err)
	add("ipdev", checkIfName("ipdev", s.parent, true))
	add("ifname", checkIfName("ifname", s.ifname, false))
	add("netns", checkNetns(s.netns))
	add("mode", checkMode(s.mode))
	add("gateway", s.parseGateway(r.Str("gateway")))
	if s.prefix == ipaddr.NoPrefix && nameErr == nil && s.ipname != providers.Unknown && mask != providers.Unknown {
		add("netmask", fmt.Errorf("netmask is required: ipname %q has no /len", s.ipname))
	}
	if ip, err := netip.ParseAddr(s.host); err == nil && s.prefix != ipaddr.NoPrefix {
		add("netmask", ipaddr.CheckPrefix(ip, s.prefix))
	}
	return s, errs
}

func checkIfName(attr, name string, required bool) error {
	switch {
	case name == "" && required:
		return fmt.Errorf("%s is required", attr)
	case name == "" || name == providers.Unknown:
		return nil
	case len(name) > maxIfNameLen || strings.ContainsAny(name, "/: \t\n"):
		return fmt.Errorf("%s %q is not a valid interface name (at most %d characters, no '/', ':' nor spaces)", attr, name, maxIfNameLen)
	}
	return nil
}

// checkNetns accepts a path or a name under /run/netns, and explains what
// to write instead of a resource id.
func checkNetns(ns string) error {
	switch {
	case ns == "":
		return errors.New("netns is required")
	case ns == providers.Unknown:
		return nil
	case ridLike.MatchString(ns):
		name := ns[strings.Index(ns, "#")+1:]
		return fmt.Errorf("netns %q is a resource id, not a network namespace: use %s.%s.netns_path", ns, ns[:strings.Index(ns, "#")], name)
	case strings.ContainsAny(ns, " \t\n"):
		return fmt.Errorf("netns %q is neither a path nor a namespace name", ns)
	case strings.Contains(ns, "/") && !strings.HasPrefix(ns, "/"):
		return fmt.Errorf("netns %q: a path must be absolute (/proc/PID/ns/net, /run/netns/NAME)", ns)
	}
	return nil
}

func checkMode(mode string) error {
	switch mode {
	case modeMacvlan, modeIPvlan, modeBridge, providers.Unknown:
		return nil
	}
	return fmt.Errorf("mode %q is not one of %q, %q, %q", mode, modeMacvlan, modeIPvlan, modeBridge)
}

func (s *settings) parseGateway(gw string) error {
	if gw == "" || gw == providers.Unknown {
		return nil
	}
	a, err := netip.ParseAddr(gw)
	if err != nil {
		return fmt.Errorf("gateway %q is not an address", gw)
	}
	if ip, err := netip.ParseAddr(s.host); err == nil && ip.Is4() != a.Unmap().Is4() {
		return fmt.Errorf("gateway %s is not of the family of %s", gw, ip)
	}
	s.gateway = a.Unmap()
	return nil
}
