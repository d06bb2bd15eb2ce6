package iphost

import (
	"errors"
	"fmt"
	"math/bits"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/omhcl/omhcl/providers"
)

// maxIfNameLen is the longest interface name Linux accepts (IFNAMSIZ-1).
const maxIfNameLen = 15

// noPrefix marks a prefix length to take from ipdev's addresses.
const noPrefix = -1

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
	joined := make([]error, len(errs))
	for i, e := range errs {
		joined[i] = e
	}
	return s, errors.Join(joined...)
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

func (s *settings) parseIPName() error {
	switch {
	case s.ipname == "":
		return errors.New("ipname is required")
	case s.ipname == providers.Unknown:
		return nil
	case strings.Contains(s.ipname, "/"):
		p, err := netip.ParsePrefix(s.ipname)
		if err != nil {
			return fmt.Errorf("ipname %q: not an address/prefix length: %w", s.ipname, err)
		}
		s.host, s.prefix = p.Addr().String(), p.Bits()
	case strings.ContainsAny(s.ipname, " \t\n"):
		return fmt.Errorf("ipname %q is neither an address nor a host name", s.ipname)
	}
	return nil
}

func (s *settings) parseNetmask(mask string) error {
	if mask == "" || mask == providers.Unknown {
		return nil
	}
	n, err := parseNetmask(mask)
	if err != nil {
		return err
	}
	if s.prefix != noPrefix && s.prefix != n {
		return fmt.Errorf("netmask %q contradicts the /%d of ipname %q", mask, s.prefix, s.ipname)
	}
	s.prefix = n
	return nil
}

// parseNetmask accepts a prefix length ("24") or a dotted IPv4 mask
// ("255.255.255.0").
func parseNetmask(mask string) (int, error) {
	if n, err := strconv.Atoi(mask); err == nil {
		if n < 0 || n > 128 {
			return 0, fmt.Errorf("netmask %q: prefix length out of 0-128", mask)
		}
		return n, nil
	}
	a, err := netip.ParseAddr(mask)
	if err != nil || !a.Is4() {
		return 0, fmt.Errorf("netmask %q is neither a prefix length nor a dotted mask", mask)
	}
	b := a.As4()
	m := uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
	ones := bits.LeadingZeros32(^m)
	if m<<ones != 0 {
		return 0, fmt.Errorf("netmask %q is not contiguous", mask)
	}
	return ones, nil
}

func (s *settings) parseProbeWait(v string) error {
	s.waitUnknown = v == providers.Unknown
	if v == "" || s.waitUnknown {
		return nil
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		return fmt.Errorf("arp_probe_wait %q: %w", v, err)
	}
	if d < 0 {
		return fmt.Errorf("arp_probe_wait %q is negative", v)
	}
	s.probeWait = d
	return nil
}

// checkPrefix rejects a prefix length too long for ip's family.
func checkPrefix(ip netip.Addr, prefix int) error {
	if prefix > ip.BitLen() {
		return fmt.Errorf("prefix length /%d is too long for %s", prefix, ip)
	}
	return nil
}

// boolOr returns a bool attribute, def when null or unknown.
func boolOr(r *providers.Resource, name string, def bool) bool {
	v, ok := r.Attrs[name]
	if !ok || v.IsNull() || !v.IsKnown() {
		return def
	}
	return r.Bool(name)
}
