// Package iphost is the ip.host driver: a service address on a host
// interface, checked for conflicts on the network before it is claimed and
// announced to the neighbours once it is.
package iphost

import (
	"github.com/omhcl/omhcl/providers"
	"github.com/omhcl/omhcl/providers/internal/ipaddr"
	"github.com/zclconf/go-cty/cty"
)

func init() { providers.Register(Spec) }

// DefaultProbeWait is how long the conflict probe listens when
// arp_probe_wait is not set.
const DefaultProbeWait = ipaddr.DefaultProbeWait

// Spec is the ip.host driver spec.
var Spec = &providers.Spec{
	Kind:    "ip",
	Type:    "host",
	Default: true,
	Doc:     "A service IP address added to a host interface, after an ARP (IPv4) or neighbor discovery (IPv6) conflict probe, then announced with gratuitous ARP or an unsolicited advertisement.",
	Attrs: []providers.AttrSpec{
		{Name: "ipname", Type: cty.String, Required: true, Doc: `A host name (resolved with the system resolver, IPv4 preferred), an address, or an address with a prefix length: "198.18.0.10/24".`},
		{Name: "ipdev", Type: cty.String, Required: true, Doc: "The interface the address is added to."},
		{Name: "netmask", Type: cty.String, Doc: `Prefix length ("24") or dotted mask ("255.255.255.0"). Absent: the prefix of an address of ipdev in the same subnet.`},
		{Name: "netns", Type: cty.String, Doc: "The network namespace holding ipdev: a name under /run/netns or a path (/proc/PID/ns/net). Absent: the engine's namespace."},
		{Name: "arp_probe_wait", Type: cty.String, Default: cty.StringVal("300ms"), InPlace: true, Doc: `How long the conflict probe listens for another holder of the address before start. "0s" disables the probe.`},
		{Name: "check_carrier", Type: cty.Bool, Default: cty.True, InPlace: true, Doc: "Status warns when ipdev has no carrier."},
	},
	Exposed: ipaddr.Exposed(),
	// Nothing to create, but provisioned is recorded as for any resource
	// (the seed's P flag on ip#0 until "set provisioned").
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
