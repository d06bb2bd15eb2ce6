// Package ipaddr reads the address attributes the ip drivers share
// (ipname, netmask, arp_probe_wait) and resolves ipname.
package ipaddr

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

// DefaultProbeWait is how long the conflict probe listens when
// arp_probe_wait is not set.
const DefaultProbeWait = 300 * time.Millisecond

// NoPrefix marks a prefix length neither ipname nor netmask gives.
const NoPrefix = -1

// ParseIPName splits ipname into the host (an address or a host name) and
// the prefix length of its /len, NoPrefix when it has none. An unknown
// ipname is returned as is.
func ParseIPName(ipname string) (host string, prefix int, err error) {
	switch {
	case ipname == "":
		return "", NoPrefix, errors.New("ipname is required")
	case ipname == providers.Unknown:
		return ipname, NoPrefix, nil
	case strings.Contains(ipname, "/"):
		p, err := netip.ParsePrefix(ipname)
		if err != nil {
			return "", NoPrefix, fmt.Errorf("ipname %q: not an address/prefix length: %w", ipname, err)
		}
		return p.Addr().String(), p.Bits(), nil
	case strings.ContainsAny(ipname, " \t\n"):
		return "", NoPrefix, fmt.Errorf("ipname %q is neither an address nor a host name", ipname)
	}
	return ipname, NoPrefix, nil
}

// MergeNetmask returns the prefix length given by netmask ("" or unknown:
// prefix unchanged), refusing one contradicting the /len of ipname.
func MergeNetmask(ipname string, prefix int, mask string) (int, error) {
	if mask == "" || mask == providers.Unknown {
		return prefix, nil
	}
	n, err := ParseNetmask(mask)
	if err != nil {
		return prefix, err
	}
	if prefix != NoPrefix && prefix != n {
		return prefix, fmt.Errorf("netmask %q contradicts the /%d of ipname %q", mask, prefix, ipname)
	}
	return n, nil
}

// ParseNetmask accepts a prefix length ("24") or a dotted IPv4 mask
// ("255.255.255.0").
func ParseNetmask(mask string) (int, error) {
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

// CheckPrefix rejects a prefix length too long for ip's family.
func CheckPrefix(ip netip.Addr, prefix int) error {
	if prefix > ip.BitLen() {
		return fmt.Errorf("prefix length /%d is too long for %s", prefix, ip)
	}
	return nil
}

// ParseProbeWait reads arp_probe_wait; "" keeps def. unknown reports a
// value not known yet.
func ParseProbeWait(v string, def time.Duration) (d time.Duration, unknown bool, err error) {
	if v == providers.Unknown {
		return def, true, nil
	}
	if v == "" {
		return def, false, nil
	}
	d, err = time.ParseDuration(v)
	if err != nil {
		return def, false, fmt.Errorf("arp_probe_wait %q: %w", v, err)
	}
	if d < 0 {
		return def, false, fmt.Errorf("arp_probe_wait %q is negative", v)
	}
	return d, false, nil
}
