// Package containerkvm is the container.kvm driver: a virtual machine run
// by libvirt's qemu driver, spoken to over libvirtd's unix socket with
// libvirt's own RPC protocol (github.com/digitalocean/go-libvirt, pure Go:
// the binaries stay static, where libvirt's Go bindings need cgo) and
// followed through its domain lifecycle events, never by polling virsh.
// Domain definitions are written with libvirt.org/go/libvirtxml, libvirt's
// own schema in Go.
//
// The guest is reached through the QEMU guest agent (qemu-agent-command:
// guest-exec, guest-file-*), which makes the driver a providers.Executor:
// an encapsulated service runs inside the guest as inside a container.
//
// A planned move of a service with live_migrate migrates the running
// guest (providers.Migrator, migrate.go): libvirt's peer-to-peer
// tunnelled migration, its one connection carried by the cluster's
// transport, the receiving node relaying only a migration of its own
// resource's domain to its libvirtd.
package containerkvm

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/omhcl/omhcl/providers"
	"github.com/zclconf/go-cty/cty"
)

func init() { providers.Register(Spec) }

// Spec is the container.kvm driver spec.
var Spec = &providers.Spec{
	Kind: "container",
	Type: "kvm",
	Doc: "A virtual machine run by libvirt (qemu, with KVM where the host runs it). " +
		"Defined from the short form (kernel or image, memory, vcpus, bridge) or from a domain XML file, " +
		"or taken as libvirt has it when neither is given. Provision defines it, unprovision undefines it (the disk image stays).",
	Attrs: []providers.AttrSpec{
		{Name: "name", Type: cty.String, Doc: `The libvirt domain's name (default "SERVICE.RESOURCE").`},
		{Name: "uri", Type: cty.String, Doc: `libvirtd to drive: "qemu:///system" or "qemu+unix:///system?socket=PATH" (default: $LIBVIRT_DEFAULT_URI, else qemu:///system).`},
		{Name: "xml", Type: cty.String, Doc: "A domain definition file to define the domain from (its name is replaced by name). Exclusive with the short form."},
		{Name: "image", Type: cty.String, Doc: "Short form: the disk image file, the guest's vda (qcow2 when it ends in .qcow2, else raw). Shared storage is the operator's."},
		{Name: "kernel", Type: cty.String, Doc: "Short form: a kernel to boot directly (else the guest boots from image)."},
		{Name: "initrd", Type: cty.String, Doc: "Short form: the initrd of kernel."},
		{Name: "cmdline", Type: cty.String, Doc: "Short form: the kernel command line."},
		{Name: "memory", Type: cty.String, Default: cty.StringVal("256M"), Doc: `Short form: the guest's memory, "512M" or "2G".`},
		{Name: "vcpus", Type: cty.Number, Default: cty.NumberIntVal(1), Doc: "Short form: virtual CPUs."},
		{Name: "bridge", Type: cty.String, Doc: "Short form: a bridge on the node to give the guest a virtio network card on."},
		{Name: "mac", Type: cty.String, Doc: "Short form: the card's MAC address (default: one derived from the service and resource, the same on every node)."},
		{Name: "accel", Type: cty.String, Default: cty.StringVal("auto"), Doc: `"kvm", "tcg" (qemu's emulator) or "auto": kvm where /dev/kvm is there and the CPU shows vmx or svm.`},
		{Name: "guest_agent", Type: cty.Bool, Default: cty.True, Doc: "The guest runs the QEMU guest agent: the short form gives it its channel, start waits until it answers, and the node reaches the guest through it (encapsulated services)."},
		{Name: "hostname", Type: cty.String, Doc: "The guest's host name: the encap node name of the service's level inside."},
		{Name: "start_timeout", Type: cty.String, Default: cty.StringVal("90s"), InPlace: true, Doc: "How long start waits for the guest to run and its agent to answer."},
		{Name: "stop_timeout", Type: cty.String, Default: cty.StringVal("60s"), InPlace: true, Doc: "How long stop waits for the guest to shut down (guest agent, then ACPI) before destroying it."},
		{Name: "live_migrate", Type: cty.Bool, Default: cty.False, InPlace: true,
			Doc: "A planned move of the service (switch, giveback, a degraded link's yield) migrates the running guest to the other node " +
				"(libvirt's tunnelled peer-to-peer migration, through the cluster's transport) instead of stopping it here and starting it there. " +
				"The guest's disks must be on storage every node sees. A destination accepts a migration only into a resource that says so."},
	},
	Exposed: []providers.AttrSpec{
		{Name: "domain_uuid", Type: cty.String, Doc: "The domain's UUID: derived from the service and resource, the same on every node."},
		{Name: "pid", Type: cty.Number, Doc: "The pid of the guest's qemu process, while it runs."},
	},
	// a guest answers on the network with addresses of its own: the
	// fence destroys it at once (Stop under providers.Fencing)
	Fenced:        true,
	Provisionable: true,
	// undefining a domain keeps its disk image: nothing is destroyed
	NoData: true,
	New:    New,
}

// shortForm are the attributes that make the driver write the definition.
var shortForm = []string{"image", "kernel", "initrd", "cmdline", "bridge", "mac"}

// New checks the known attributes of r and returns its driver.
func New(r *providers.Resource) (providers.Driver, error) {
	d := &driver{r: r}
	var errs []*providers.AttrError
	known := func(a string) (string, bool) {
		v := r.Str(a)
		return v, v != "" && v != providers.Unknown
	}
	if n, ok := known("name"); ok && !providers.PlainName(n) {
		errs = append(errs, providers.Invalid("name", "name %q must be letters, digits, '.', '_' or '-'", n))
	}
	if h, ok := known("hostname"); ok && !providers.PlainName(h) {
		errs = append(errs, providers.Invalid("hostname", "hostname %q must be letters, digits, '.', '_' or '-'", h))
	}
	if u, ok := known("uri"); ok {
		if _, err := parseURI(u); err != nil {
			errs = append(errs, providers.Invalid("uri", "%v", err))
		}
	}
	for _, a := range []string{"xml", "image", "kernel", "initrd"} {
		if p, ok := known(a); ok && !filepath.IsAbs(p) {
			errs = append(errs, providers.Invalid(a, "%s %q must be an absolute path", a, p))
		}
	}
	if _, ok := known("xml"); ok {
		for _, a := range shortForm {
			if r.Str(a) != "" {
				errs = append(errs, providers.Invalid(a, "%s is part of the short form, and xml defines the domain: set one or the other", a))
			}
		}
	}
	if _, ok := known("initrd"); ok && r.Str("kernel") == "" {
		errs = append(errs, providers.Invalid("initrd", "initrd needs kernel"))
	}
	if m, ok := known("memory"); ok {
		if _, err := parseMiB(m); err != nil {
			errs = append(errs, providers.Invalid("memory", "%v", err))
		}
	}
	if r.Known("vcpus") {
		if n := r.Int("vcpus"); n < 1 || n > 256 {
			errs = append(errs, providers.Invalid("vcpus", "vcpus %d must be 1 to 256", n))
		}
	}
	if m, ok := known("mac"); ok && !validMAC(m) {
		errs = append(errs, providers.Invalid("mac", "mac %q is not a unicast MAC address (52:54:00:12:34:56)", m))
	}
	if a, ok := known("accel"); ok && a != "auto" && a != "kvm" && a != "tcg" {
		errs = append(errs, providers.Invalid("accel", `accel %q must be "auto", "kvm" or "tcg"`, a))
	}
	errs = append(errs, r.CheckDurations("start_timeout", "stop_timeout")...)
	if err := providers.Refuse(r, errs); err != nil {
		return nil, err
	}
	return d, nil
}

// parseMiB reads "512M", "2G" or "262144K" as MiB.
func parseMiB(s string) (uint, error) {
	var n uint
	var unit string
	if _, err := fmt.Sscanf(s, "%d%s", &n, &unit); err != nil || n == 0 {
		return 0, fmt.Errorf("memory %q must be a size like \"512M\" or \"2G\"", s)
	}
	switch strings.ToUpper(strings.TrimSuffix(strings.TrimSuffix(unit, "iB"), "B")) {
	case "K":
		if n%1024 == 0 {
			return n / 1024, nil
		}
	case "M":
		return n, nil
	case "G":
		return n * 1024, nil
	}
	return 0, fmt.Errorf("memory %q must be a size like \"512M\" or \"2G\" (whole MiB)", s)
}

func validMAC(s string) bool {
	var b [6]byte
	if n, err := fmt.Sscanf(s, "%02x:%02x:%02x:%02x:%02x:%02x", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5]); err != nil || n != 6 || len(s) != 17 {
		return false
	}
	return b[0]&1 == 0
}

// kvmRuns reports whether this host can accelerate guests with KVM: the
// device is there and the CPU shows its virtualization extensions. Both
// are needed: a VM without nested virtualization may offer /dev/kvm whose
// guests never run (../shared/NOTES.md).
func kvmRuns() (bool, string) {
	if _, err := os.Stat("/dev/kvm"); err != nil {
		return false, "no /dev/kvm"
	}
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return false, err.Error()
	}
	for _, line := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "flags" {
			for _, f := range strings.Fields(v) {
				if f == "vmx" || f == "svm" {
					return true, "/dev/kvm and " + f
				}
			}
			break
		}
	}
	return false, "no vmx or svm among the CPU flags"
}
