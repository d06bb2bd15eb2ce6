package iphost

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"time"

	"github.com/omhcl/omhcl/providers"
	"github.com/omhcl/omhcl/providers/internal/ipaddr"
)

// maxIfNameLen is the longest interface name Linux accepts (IFNAMSIZ-1).
const maxIfNameLen = 15

// noPrefix marks a prefix length to take from ipdev's addresses.
const noPrefix = ipaddr.NoPrefix

// settings are the resource attributes, checked. Unknown attributes keep
// providers.Unknown (strings) or the defaults; callers test known() first
// where they need real values.
type settings struct {
	ipname       string
	host         string // ipname without its /len: an address or a host name
	prefix       int    // from ipname's /len or netmask, noPrefix if neither
	dev          string
	netns        string // "" for the engine's namespace
	probeWait    time.Duration
	waitUnknown  bool // arp_probe_wait is not known yet
	checkCarrier bool
	known        bool // every attribute is known
}

var attrNames = []string{"ipname", "ipdev", "netmask", "netns", "arp_probe_wait", "check_carrier"}

// parseSettings reads and checks the attributes of r. Unknown attributes
// are not checked: they are checked again once known, before start.
func parseSettings(r *providers.Resource) (settings, error) {
	s, errs := readSettings(r)
	return s, providers.JoinAttrErrors(errs)
}

// readSettings is parseSettings with each error naming its attribute.
func readSettings(r *providers.Resource) (settings, []*providers.AttrError) {
	s := settings{
		ipname:       r.Str("ipname"),
		dev:          r.Str("ipdev"),
		netns:        r.Str("netns"),
		prefix:       noPrefix,
		probeWait:    DefaultProbeWait,
		checkCarrier: boolOr(r, "check_carrier", true),
		known:        r.Known(attrNames...),
	}
	s.host = s.ipname
	var errs []*providers.AttrError
	add := func(attr string, err error) {
		if err != nil {
			errs = append(errs, &providers.AttrError{Attr: attr, Msg: err.Error()})
		}
	}
	add("ipname", s.parseIPName())
	mask := r.Str("netmask")
	add("netmask", s.parseNetmask(mask))
	add("arp_probe_wait", s.parseProbeWait(r.Str("arp_probe_wait")))
	if ip, err := netip.ParseAddr(s.host); err == nil && s.prefix != noPrefix {
		at := "ipname" // the /len, unless netmask set the prefix
		if mask != "" {
			at = "netmask"
		}
		add(at, checkPrefix(ip, s.prefix))
	}
	switch {
	case s.dev == "":
		add("ipdev", errors.New("ipdev is required"))
	case s.dev != providers.Unknown && (len(s.dev) > maxIfNameLen || strings.ContainsAny(s.dev, "/ \t\n")):
		add("ipdev", fmt.Errorf("ipdev %q is not a valid interface name (at most %d characters, no '/' nor spaces)", s.dev, maxIfNameLen))
	}
	return s, errs
}

func (s *settings) parseIPName() (err error) {
	s.host, s.prefix, err = ipaddr.ParseIPName(s.ipname)
	return err
}

func (s *settings) parseNetmask(mask string) (err error) {
	s.prefix, err = ipaddr.MergeNetmask(s.ipname, s.prefix, mask)
	return err
}

func (s *settings) parseProbeWait(v string) (err error) {
	s.probeWait, s.waitUnknown, err = ipaddr.ParseProbeWait(v, DefaultProbeWait)
	return err
}

// checkPrefix rejects a prefix length too long for ip's family.
func checkPrefix(ip netip.Addr, prefix int) error { return ipaddr.CheckPrefix(ip, prefix) }

// boolOr returns a bool attribute, def when null or unknown.
func boolOr(r *providers.Resource, name string, def bool) bool {
	v, ok := r.Attrs[name]
	if !ok || v.IsNull() || !v.IsKnown() {
		return def
	}
	return r.Bool(name)
}
