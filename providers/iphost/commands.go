package iphost

import (
	"fmt"

	"github.com/omhcl/omhcl/providers/internal/iplink"
)

// addCommand adds cidr; IPv6 addresses skip the kernel's duplicate
// address detection, the conflict probe did it.
func addCommand(s settings, cidr string, v6 bool) string {
	cmd := fmt.Sprintf("%s addr add %s dev %s", iplink.IPCommand(s.netns), cidr, s.dev)
	if v6 {
		cmd += " nodad"
	}
	return cmd
}

func delCommand(s settings, cidr string) string {
	return fmt.Sprintf("%s addr del %s dev %s", iplink.IPCommand(s.netns), cidr, s.dev)
}
