// Package names holds the one rule for the names omhcl turns into paths,
// rids and command lines: service, resource and node names, whether they
// come from an HCL block label, the API, a peer, an agent or a file.
package names

import (
	"fmt"
	"regexp"
)

// Pattern is what a name must match: no path separator, no leading dot,
// so that "../x" can never leave the directory a name is joined to.
var Pattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]*$`)

// Valid reports whether s is a valid name.
func Valid(s string) bool { return Pattern.MatchString(s) }

// CheckService says why s cannot be a service name, nil when it can.
func CheckService(s string) error {
	if !Valid(s) {
		return fmt.Errorf("%q is not a valid service name: it must match %s", s, Pattern)
	}
	return nil
}
