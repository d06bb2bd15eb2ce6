package ipnetns

import (
	"fmt"
	"hash/fnv"

	"github.com/omhcl/omhcl/providers"
	"github.com/vishvananda/netlink"
)

// alias marks the interface the driver creates inside the namespace, so
// status and stop find it whatever its name (the first free ethN).
func alias(r *providers.Resource) string {
	return fmt.Sprintf("omhcl %s %s", r.Service, r.RID())
}

// hostVethName is the host end of the veth pair in bridge mode: derived
// from the service and rid, so a stop finds a leftover one without state.
func hostVethName(r *providers.Resource) string {
	h := fnv.New32a()
	fmt.Fprintf(h, "%s/%s", r.Service, r.RID())
	return fmt.Sprintf("omh%08x", h.Sum32())
}

// nextEth is the first ethN no link of the namespace is named.
func nextEth(links []netlink.Link) string {
	used := make(map[string]bool, len(links))
	for _, l := range links {
		used[l.Attrs().Name] = true
	}
	for n := 0; ; n++ {
		if name := fmt.Sprintf("eth%d", n); !used[name] {
			return name
		}
	}
}

// ifLabel is the inside interface name for plans: ifname, or what start
// picks.
func ifLabel(s settings) string {
	if s.ifname == "" {
		return "(first free ethN)"
	}
	return s.ifname
}
