package iplink

import (
	"strings"

	"github.com/omhcl/omhcl/providers"
)

// IPCommand is the iproute2 command equivalent to what a driver does
// through netlink in namespace ns ("" for the engine's, a name under
// /run/netns, or a path), for plans and logs.
func IPCommand(ns string) string {
	switch {
	case ns == "":
		return "ip"
	case ns == providers.Unknown || !strings.Contains(ns, "/"):
		return "ip -n " + ns
	default:
		return "nsenter --net=" + ns + " ip"
	}
}
