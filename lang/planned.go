package lang

import "sort"

// unsupportedTypes are the seeds' resource types omhcl has no driver for,
// and why. Their blocks are parsed and carried with untyped attributes,
// with a warning naming the reason, so that configurations naming them
// (an OpenSVC service brought over) load and plan the rest.
var unsupportedTypes = map[string]map[string]string{
	"container": {
		"xen":  "Xen guests are run by Xen's own toolstack on a Xen dom0; omhcl drives Linux hosts through libvirt's qemu driver (container.kvm)",
		"esx":  "VMware ESX guests are driven through vCenter's API from outside the hypervisor, not by an agent on the node",
		"vbox": "VirtualBox is a desktop hypervisor: no server-side API to drive it with and no live migration between hosts",
		"ovm":  "Oracle VM Server is a Xen dom0 and is no longer sold",
		"hpvm": "HP Integrity VM runs on HP-UX on Itanium",
		"ldom": "Oracle LDoms run on SPARC Solaris",
	},
}

// unsupported returns why kind.typ has no driver; "" when it is not one
// of the seeds' unsupported types.
func unsupported(kind, typ string) string { return unsupportedTypes[kind][typ] }

// UnsupportedTypes lists the types of kind accepted without a driver,
// sorted.
func UnsupportedTypes(kind string) []string {
	var out []string
	for t := range unsupportedTypes[kind] {
		out = append(out, t)
	}
	sort.Strings(out)
	return out
}
