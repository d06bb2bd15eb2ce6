package iphost

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/omhcl/omhcl/providers"
)

// ipCommand is the iproute2 command equivalent to what the driver does
// through netlink, in the resource's namespace.
func ipCommand(s settings) string {
	switch {
	case s.netns == "":
		return "ip"
	case s.netns == providers.Unknown || !strings.Contains(s.netns, "/"):
		return "ip -n " + s.netns
	default:
		return "nsenter --net=" + s.netns + " ip"
	}
}

// addCommand adds cidr; IPv6 addresses skip the kernel's duplicate
// address detection, the conflict probe did it.
func addCommand(s settings, cidr string, v6 bool) string {
	cmd := fmt.Sprintf("%s addr add %s dev %s", ipCommand(s), cidr, s.dev)
	if v6 {
		cmd += " nodad"
	}
	return cmd
}

func delCommand(s settings, cidr string) string {
	return fmt.Sprintf("%s addr del %s dev %s", ipCommand(s), cidr, s.dev)
}

// protocol names the neighbour protocol of ip: arp, or ndp for IPv6.
func protocol(ip netip.Addr) string {
	if ip.Is6() {
		return "ndp"
	}
	return "arp"
}
