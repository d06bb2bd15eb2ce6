package containerkvm

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/digitalocean/go-libvirt"
	"libvirt.org/go/libvirtxml"
)

// metadataNS is the namespace of the element the driver puts in the
// <metadata> of each domain it defines: its service, rid and the
// configuration it was defined from. Strays and drift read it back.
const (
	metadataNS     = "https://omhcl.dev/xmlns/libvirt/1"
	metadataPrefix = "omhcl"
)

// agentChannel is the virtio-serial port name the QEMU guest agent opens.
const agentChannel = "org.qemu.guest_agent.0"

// xmlMax bounds the domain definition file read for xml.
const xmlMax = 1 << 20

// mark is the driver's metadata element.
type mark struct {
	XMLName xml.Name `xml:"resource"`
	Service string   `xml:"service,attr"`
	RID     string   `xml:"rid,attr"`
	Config  string   `xml:"config,attr"` // the fingerprint, JSON
	// Defined is the digest of the definition libvirt kept, read back
	// after define (definitionDigest): a definition edited by hand since
	// (virsh edit) no longer has it.
	Defined string `xml:"defined,attr,omitempty"`
}

func (m mark) element() string {
	b, _ := xml.Marshal(m)
	// <resource ...> written as <omhcl:resource xmlns:omhcl="NS" ...>:
	// libvirt keeps metadata elements by namespace
	s := strings.Replace(string(b), "<resource", "<"+metadataPrefix+":resource xmlns:"+metadataPrefix+"=\""+metadataNS+"\"", 1)
	return strings.Replace(s, "</resource>", "</"+metadataPrefix+":resource>", 1)
}

// bare is the element without its namespace, as DomainSetMetadata
// takes it (with the prefix and namespace apart).
func (m mark) bare() string {
	b, _ := xml.Marshal(m)
	return string(b)
}

// definitionDigest is a digest of a domain's inactive definition as
// libvirt writes it, its <metadata> left out (the mark holds it).
func definitionDigest(text string) string {
	if i := strings.Index(text, "<metadata>"); i >= 0 {
		if j := strings.Index(text[i:], "</metadata>"); j >= 0 {
			text = text[:i] + text[i+j+len("</metadata>"):]
		}
	}
	sum := sha256.Sum256([]byte(text))
	return "sha256:" + hex.EncodeToString(sum[:12])
}

// markOf reads dom's mark from libvirt: its metadata element in the
// driver's namespace, as kept in the persistent definition.
func markOf(l *libvirt.Libvirt, dom libvirt.Domain) (mark, error) {
	s, err := l.DomainGetMetadata(dom, int32(libvirt.DomainMetadataElement), libvirt.OptString{metadataNS}, libvirt.DomainAffectConfig)
	if err != nil {
		return mark{}, err
	}
	return parseMark(s)
}

// parseMark reads the element DomainGetMetadata returns.
func parseMark(s string) (mark, error) {
	var m mark
	err := xml.Unmarshal([]byte(s), &m)
	return m, err
}

func (m mark) fingerprint() map[string]string {
	fp := map[string]string{}
	_ = json.Unmarshal([]byte(m.Config), &fp)
	return fp
}

// domainUUID is the domain's UUID, derived from the service and the
// resource: every node defines the same domain, which a migration needs.
func domainUUID(service, rid string) string {
	h := sha256.Sum256([]byte("omhcl domain\x00" + service + "\x00" + rid))
	b := h[:16]
	b[6] = b[6]&0x0f | 0x50 // version 5: name-based
	b[8] = b[8]&0x3f | 0x80
	x := hex.EncodeToString(b)
	return x[0:8] + "-" + x[8:12] + "-" + x[12:16] + "-" + x[16:20] + "-" + x[20:32]
}

// defaultMAC is the card's MAC when none is set, derived as the UUID is,
// in qemu's 52:54:00 range.
func defaultMAC(service, rid string) string {
	h := sha256.Sum256([]byte("omhcl mac\x00" + service + "\x00" + rid))
	return fmt.Sprintf("52:54:00:%02x:%02x:%02x", h[0], h[1], h[2])
}

// form is how the driver comes by the domain's definition.
type form int

const (
	adopted   form = iota // neither xml nor short form: libvirt has it
	fromXML               // xml = FILE
	shortHand             // image or kernel
)

func (d *driver) form() form {
	switch {
	case d.r.Str("xml") != "":
		return fromXML
	case d.r.Str("image") != "" || d.r.Str("kernel") != "":
		return shortHand
	}
	return adopted
}

// domainType is libvirt's domain type for accel: kvm, or qemu (TCG).
func (d *driver) domainType() string {
	switch d.r.Str("accel") {
	case "kvm":
		return "kvm"
	case "tcg":
		return "qemu"
	}
	if ok, _ := kvmRuns(); ok {
		return "kvm"
	}
	return "qemu"
}

// accelWhy says which accelerator the domain gets and why, for plans and
// status.
func (d *driver) accelWhy() string {
	switch a := d.r.Str("accel"); a {
	case "kvm", "tcg":
		return a + ", as set"
	}
	ok, why := kvmRuns()
	if ok {
		return "kvm: " + why
	}
	return "tcg (emulated): " + why
}

// fingerprint is what the definition was made from, attribute by
// attribute: a domain whose recorded fingerprint differs has drifted. A
// definition file counts by its content.
func (d *driver) fingerprint() (map[string]string, error) {
	fp := map[string]string{"name": d.name()}
	switch d.form() {
	case fromXML:
		b, err := readXML(d.r.Str("xml"))
		if err != nil {
			return nil, err
		}
		sum := sha256.Sum256(b)
		fp["xml"] = d.r.Str("xml") + " sha256:" + hex.EncodeToString(sum[:8])
	case shortHand:
		for _, a := range []string{"image", "kernel", "initrd", "cmdline", "memory", "bridge"} {
			fp[a] = d.r.Str(a)
		}
		fp["vcpus"] = fmt.Sprint(d.r.Int("vcpus"))
		fp["mac"] = d.mac()
		fp["accel"] = d.domainType()
		fp["guest_agent"] = fmt.Sprint(d.r.Bool("guest_agent"))
	}
	return fp, nil
}

func fingerprintJSON(fp map[string]string) string {
	b, _ := json.Marshal(fp) // sorted keys
	return string(b)
}

func (d *driver) mac() string {
	if m := d.r.Str("mac"); m != "" {
		return strings.ToLower(m)
	}
	return defaultMAC(d.r.Service, d.r.RID())
}

func readXML(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, xmlMax+1))
	if err != nil {
		return nil, err
	}
	if len(b) > xmlMax {
		return nil, fmt.Errorf("%s: larger than %d bytes: not a domain definition", path, xmlMax)
	}
	return b, nil
}

// definition is the domain XML the driver defines, with its name, UUID
// and mark; nil for an adopted domain, which libvirt already has.
func (d *driver) definition() (*libvirtxml.Domain, error) {
	var dom *libvirtxml.Domain
	switch d.form() {
	case adopted:
		return nil, nil
	case fromXML:
		b, err := readXML(d.r.Str("xml"))
		if err != nil {
			return nil, err
		}
		dom = &libvirtxml.Domain{}
		if err := dom.Unmarshal(string(b)); err != nil {
			return nil, fmt.Errorf("%s: not a libvirt domain definition: %v", d.r.Str("xml"), err)
		}
	case shortHand:
		dom = d.shortDefinition()
	}
	dom.Name = d.name()
	if dom.UUID == "" {
		dom.UUID = domainUUID(d.r.Service, d.r.RID())
	}
	m, err := d.mark()
	if err != nil {
		return nil, err
	}
	// an operator's own metadata stays; a previous mark of ours goes
	var keep string
	if dom.Metadata != nil {
		keep = withoutMark(dom.Metadata.XML)
	}
	dom.Metadata = &libvirtxml.DomainMetadata{XML: keep + m.element()}
	return dom, nil
}

// mark is the element the driver marks its domain with.
func (d *driver) mark() (mark, error) {
	fp, err := d.fingerprint()
	if err != nil {
		return mark{}, err
	}
	return mark{Service: d.r.Service, RID: d.r.RID(), Config: fingerprintJSON(fp)}, nil
}

// withoutMark removes the driver's element from metadata inner XML.
func withoutMark(inner string) string {
	open := "<" + metadataPrefix + ":resource"
	i := strings.Index(inner, open)
	if i < 0 {
		return inner
	}
	rest := inner[i:]
	end := strings.Index(rest, "/>")
	if close := strings.Index(rest, "</"+metadataPrefix+":resource>"); close >= 0 && (end < 0 || close < end) {
		end = close + len("</"+metadataPrefix+":resource>") - 2
	}
	if end < 0 {
		return inner
	}
	return inner[:i] + rest[end+2:]
}

// shortDefinition writes the short form out: direct kernel boot or a
// boot from image, a serial console, the guest agent's channel, one
// virtio card on bridge.
func (d *driver) shortDefinition() *libvirtxml.Domain {
	mib, _ := parseMiB(d.r.Str("memory"))
	dom := &libvirtxml.Domain{
		Type:   d.domainType(),
		Memory: &libvirtxml.DomainMemory{Value: mib, Unit: "MiB"},
		VCPU:   &libvirtxml.DomainVCPU{Value: uint(d.r.Int("vcpus"))},
		OS: &libvirtxml.DomainOS{
			Type: &libvirtxml.DomainOSType{Arch: "x86_64", Machine: "pc", Type: "hvm"},
		},
		// ACPI: without it a guest cannot power itself off, nor hear
		// the power button of a shutdown
		Features:   &libvirtxml.DomainFeatureList{ACPI: &libvirtxml.DomainFeature{}, APIC: &libvirtxml.DomainFeatureAPIC{}},
		OnPoweroff: "destroy",
		OnReboot:   "restart",
		OnCrash:    "destroy",
		Devices:    &libvirtxml.DomainDeviceList{},
	}
	if k := d.r.Str("kernel"); k != "" {
		dom.OS.Kernel, dom.OS.Initrd, dom.OS.Cmdline = k, d.r.Str("initrd"), d.r.Str("cmdline")
	} else {
		dom.OS.BootDevices = []libvirtxml.DomainBootDevice{{Dev: "hd"}}
	}
	dev := dom.Devices
	if img := d.r.Str("image"); img != "" {
		format := "raw"
		if strings.HasSuffix(img, ".qcow2") {
			format = "qcow2"
		}
		dev.Disks = []libvirtxml.DomainDisk{{
			Device: "disk",
			Driver: &libvirtxml.DomainDiskDriver{Name: "qemu", Type: format, Cache: "none"},
			Source: &libvirtxml.DomainDiskSource{File: &libvirtxml.DomainDiskSourceFile{File: img}},
			Target: &libvirtxml.DomainDiskTarget{Dev: "vda", Bus: "virtio"},
		}}
	}
	if br := d.r.Str("bridge"); br != "" {
		dev.Interfaces = []libvirtxml.DomainInterface{{
			MAC:    &libvirtxml.DomainInterfaceMAC{Address: d.mac()},
			Source: &libvirtxml.DomainInterfaceSource{Bridge: &libvirtxml.DomainInterfaceSourceBridge{Bridge: br}},
			Model:  &libvirtxml.DomainInterfaceModel{Type: "virtio"},
		}}
	}
	port := uint(0)
	dev.Serials = []libvirtxml.DomainSerial{{Source: &libvirtxml.DomainChardevSource{Pty: &libvirtxml.DomainChardevSourcePty{}}, Target: &libvirtxml.DomainSerialTarget{Port: &port}}}
	dev.Consoles = []libvirtxml.DomainConsole{{Source: &libvirtxml.DomainChardevSource{Pty: &libvirtxml.DomainChardevSourcePty{}}, Target: &libvirtxml.DomainConsoleTarget{Type: "serial", Port: &port}}}
	if d.r.Bool("guest_agent") {
		dev.Channels = []libvirtxml.DomainChannel{{
			Source: &libvirtxml.DomainChardevSource{UNIX: &libvirtxml.DomainChardevSourceUNIX{Mode: "bind"}},
			Target: &libvirtxml.DomainChannelTarget{VirtIO: &libvirtxml.DomainChannelTargetVirtIO{Name: agentChannel}},
		}}
	}
	return dom
}
