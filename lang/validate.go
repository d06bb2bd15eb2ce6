package lang

import (
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/zclconf/go-cty/cty"
)

// attrChecks are the semantic checks of well-known attributes, keyed by
// kind.type.attr; "*" as the type applies to every driver of the kind.
var attrChecks = map[string]checkFunc{
	"ip.*.ipname":  checkIPName,
	"ip.*.netmask": checkNetmask,
	"ip.*.gateway": checkIPAddress,
	"fs.*.mnt":     checkAbsolutePath,
}

// checksFor returns the checks of an attribute: the table's, plus the
// duration syntax for attributes named like durations.
func checksFor(kind, typ, name string, t cty.Type) []checkFunc {
	var out []checkFunc
	if c := attrChecks[kind+"."+typ+"."+name]; c != nil {
		out = append(out, c)
	} else if c := attrChecks[kind+".*."+name]; c != nil {
		out = append(out, c)
	}
	if isDurationName(name) && (t == cty.String || t == cty.DynamicPseudoType) {
		out = append(out, checkDuration)
	}
	return out
}

// isDurationName is the naming convention for duration attributes.
func isDurationName(name string) bool {
	return strings.HasSuffix(name, "timeout") || strings.HasSuffix(name, "_wait") ||
		strings.HasSuffix(name, "_delay") || name == "wait" || name == "delay"
}

func checkDuration(v cty.Value, _ map[string]cty.Value) error {
	if v.Type() != cty.String {
		return nil
	}
	s := v.AsString()
	d, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("invalid duration %q: write a number and a unit, like \"5s\", \"300ms\" or \"1m30s\"", s)
	}
	if d < 0 {
		return fmt.Errorf("invalid duration %q: it must not be negative", s)
	}
	return nil
}

// checkCount accepts whole numbers >= 0 (restart counts).
func checkCount(v cty.Value, _ map[string]cty.Value) error {
	if v.Type() != cty.Number {
		return nil
	}
	if i, ok := wholeNumber(v); !ok || i < 0 {
		return fmt.Errorf("must be a whole number >= 0, got %s", v.AsBigFloat().Text('g', 10))
	}
	return nil
}

func checkNoNullElements(v cty.Value, _ map[string]cty.Value) error {
	if !v.CanIterateElements() {
		return nil
	}
	for it := v.ElementIterator(); it.Next(); {
		if _, e := it.Element(); e.IsKnown() && e.IsNull() {
			return errors.New("the list must not contain null elements")
		}
	}
	return nil
}

// looksLikeAddress tells an address literal from a host name: only digits
// and dots (with a dot), or a colon, or a slash.
func looksLikeAddress(s string) bool {
	if strings.ContainsAny(s, ":/") {
		return true
	}
	return strings.Contains(s, ".") && strings.Trim(s, "0123456789.") == ""
}

// checkIPName accepts host names, and addresses or CIDRs that parse.
func checkIPName(v cty.Value, _ map[string]cty.Value) error {
	if v.Type() != cty.String {
		return nil
	}
	s := v.AsString()
	if s == "" {
		return errors.New("ipname must not be empty")
	}
	if !looksLikeAddress(s) {
		return nil
	}
	if net.ParseIP(s) != nil {
		return nil
	}
	if _, _, err := net.ParseCIDR(s); err == nil {
		return nil
	}
	return fmt.Errorf("invalid ip address %q", s)
}

func checkIPAddress(v cty.Value, _ map[string]cty.Value) error {
	if v.Type() != cty.String || net.ParseIP(v.AsString()) != nil {
		return nil
	}
	return fmt.Errorf("invalid ip address %q", v.AsString())
}

// ipFamily returns 4 or 6 for a known literal ipname, 0 when it cannot tell.
func ipFamily(attrs map[string]cty.Value) int {
	s := stringOf(attrs["ipname"])
	ip := net.ParseIP(s)
	if ip == nil {
		if p, _, err := net.ParseCIDR(s); err == nil {
			ip = p
		}
	}
	switch {
	case ip == nil:
		return 0
	case ip.To4() != nil:
		return 4
	}
	return 6
}

// checkNetmask accepts a prefix length (0-32 for IPv4, 0-128 for IPv6) or,
// for IPv4, a dotted mask with contiguous bits.
func checkNetmask(v cty.Value, attrs map[string]cty.Value) error {
	var s string
	switch v.Type() {
	case cty.String:
		s = v.AsString()
	case cty.Number:
		s = v.AsBigFloat().Text('f', -1)
	default:
		return nil
	}
	family := ipFamily(attrs)
	if n, err := strconv.Atoi(s); err == nil {
		limit := 128
		if family == 4 {
			limit = 32
		}
		if n < 0 || n > limit {
			return fmt.Errorf("invalid netmask %q: a prefix length must be between 0 and %d", s, limit)
		}
		return nil
	}
	ip := net.ParseIP(s)
	if ip == nil || ip.To4() == nil || !strings.Contains(s, ".") {
		return fmt.Errorf("invalid netmask %q: write a prefix length (24) or a dotted mask (255.255.255.0)", s)
	}
	if family == 6 {
		return fmt.Errorf("invalid netmask %q: an IPv6 address takes a prefix length", s)
	}
	if _, bits := net.IPMask(ip.To4()).Size(); bits == 0 {
		return fmt.Errorf("invalid netmask %q: the bits of a dotted mask must be contiguous", s)
	}
	return nil
}

func checkAbsolutePath(v cty.Value, _ map[string]cty.Value) error {
	if v.Type() == cty.String && !strings.HasPrefix(v.AsString(), "/") {
		return fmt.Errorf("mount point %q is not an absolute path", v.AsString())
	}
	return nil
}
