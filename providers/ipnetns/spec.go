// Package ipnetns is the ip.netns driver: a service address plumbed inside
// a container's network namespace, on an interface the driver creates
// there (a macvlan or ipvlan child of a host link, or a veth pair whose
// host end joins a bridge), after the same conflict probe as ip.host.
package ipnetns

import (
	"github.com/omhcl/omhcl/providers"
	"github.com/omhcl/omhcl/providers/internal/ipaddr"
	"github.com/zclconf/go-cty/cty"
)

func init() { providers.Register(Spec) }

// Spec is the ip.netns driver spec.
var Spec = &providers.Spec{
	Kind: "ip",
	Type: "netns",
	Doc:  "A service IP address plumbed inside a container's network namespace, on a macvlan or ipvlan child of ipdev or on a veth pair joining the bridge ipdev, after an ARP conflict probe on ipdev, then announced from inside the namespace.",
	Attrs: []providers.AttrSpec{
		{Name: "ipname", Type: cty.String, Required: true, Doc: `A host name, an address, or an address with a prefix length: "198.18.0.10/24".`},
		{Name: "ipdev", Type: cty.String, Required: true, Doc: "The host link: the parent of the macvlan or ipvlan child, or the bridge the veth pair joins."},
		{Name: "netns", Type: cty.String, Required: true, Doc: "The container's network namespace: its path (container.NAME.netns_path, /proc/PID/ns/net), or a name under /run/netns. The reference orders the start after the container."},
		{Name: "mode", Type: cty.String, Default: cty.StringVal(modeMacvlan), Doc: `"macvlan" (a child of ipdev, bridge mode), "ipvlan" (a child of ipdev, l2 mode) or "bridge" (a veth pair whose host end joins the bridge ipdev).`},
		{Name: "ifname", Type: cty.String, Doc: "The interface name inside the namespace. Absent: the first free ethN there."},
		{Name: "netmask", Type: cty.String, Doc: `Prefix length ("24") or dotted mask ("255.255.255.0"), unless ipname has a /len.`},
		{Name: "gateway", Type: cty.String, Doc: "The default route inside the namespace."},
		{Name: "arp_probe_wait", Type: cty.String, Default: cty.StringVal("300ms"), InPlace: true, Doc: `How long the conflict probe listens for another holder of the address before start. "0s" disables the probe.`},
	},
	Exposed:       ipaddr.Exposed(),
	Provisionable: true,
	NoData:        true,
	// a service address: the fence drops it first
	Address: true,
	New:     New,
}

// New checks the known attributes of r and returns its driver.
func New(r *providers.Resource) (providers.Driver, error) {
	if _, errs := readSettings(r); len(errs) > 0 {
		return nil, providers.Refuse(r, errs)
	}
	return &driver{r: r}, nil
}
