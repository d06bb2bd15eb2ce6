package ipnetns

import (
	"fmt"

	"github.com/omhcl/omhcl/providers"
	"github.com/omhcl/omhcl/providers/internal/iplink"
)

// The iproute2 commands equivalent to what the driver does through
// netlink, for plans and logs.

func linkAddCommand(r *providers.Resource, s settings, ifname string) string {
	switch s.mode {
	case modeBridge:
		return fmt.Sprintf("ip link add %s type veth peer name %s netns %s", hostVethName(r), ifname, s.netns)
	case modeIPvlan:
		return fmt.Sprintf("ip link add link %s name %s netns %s type ipvlan mode l2", s.parent, ifname, s.netns)
	}
	return fmt.Sprintf("ip link add link %s name %s netns %s type macvlan mode bridge", s.parent, ifname, s.netns)
}

func masterCommand(r *providers.Resource, s settings) string {
	return fmt.Sprintf("ip link set %s master %s up", hostVethName(r), s.parent)
}

func addrAddCommand(s settings, cidr, ifname string) string {
	return fmt.Sprintf("%s addr add %s dev %s", iplink.IPCommand(s.netns), cidr, ifname)
}

func upCommand(s settings, ifname string) string {
	return fmt.Sprintf("%s link set %s up", iplink.IPCommand(s.netns), ifname)
}

func routeCommand(s settings) string {
	return fmt.Sprintf("%s route replace default via %s", iplink.IPCommand(s.netns), s.gateway)
}

func linkDelCommand(s settings, ifname string) string {
	return fmt.Sprintf("%s link del %s", iplink.IPCommand(s.netns), ifname)
}
