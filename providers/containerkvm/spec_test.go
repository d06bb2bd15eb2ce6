package containerkvm

import (
	"context"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/omhcl/omhcl/providers"
	"github.com/zclconf/go-cty/cty"
	"libvirt.org/go/libvirtxml"
)

func resource(attrs map[string]cty.Value) *providers.Resource {
	full := map[string]cty.Value{}
	for _, a := range Spec.Attrs {
		if a.Default != cty.NilVal {
			full[a.Name] = a.Default
		} else {
			full[a.Name] = cty.NullVal(a.Type)
		}
	}
	for k, v := range attrs {
		full[k] = v
	}
	return &providers.Resource{Service: "svc", Node: "n1", Kind: "container", Type: "kvm", Name: "vm", Attrs: full}
}

func TestNewRefusesWhatCannotWork(t *testing.T) {
	for _, c := range []struct {
		attrs map[string]cty.Value
		want  string
	}{
		{map[string]cty.Value{"name": cty.StringVal("a b")}, "name"},
		{map[string]cty.Value{"uri": cty.StringVal("qemu+ssh://h/system")}, "drives its own libvirtd"},
		{map[string]cty.Value{"uri": cty.StringVal("qemu+unix:///system?socket=rel")}, "absolute socket"},
		{map[string]cty.Value{"kernel": cty.StringVal("vmlinuz")}, "absolute path"},
		{map[string]cty.Value{"xml": cty.StringVal("/x.xml"), "image": cty.StringVal("/d.img")}, "set one or the other"},
		{map[string]cty.Value{"initrd": cty.StringVal("/i")}, "initrd needs kernel"},
		{map[string]cty.Value{"memory": cty.StringVal("lots")}, "like \"512M\""},
		{map[string]cty.Value{"memory": cty.StringVal("1000K")}, "whole MiB"},
		{map[string]cty.Value{"vcpus": cty.NumberIntVal(0)}, "1 to 256"},
		{map[string]cty.Value{"mac": cty.StringVal("01:00:5e:00:00:01")}, "unicast"},
		{map[string]cty.Value{"accel": cty.StringVal("hvf")}, `"auto", "kvm" or "tcg"`},
		{map[string]cty.Value{"stop_timeout": cty.StringVal("soon")}, "positive duration"},
	} {
		_, err := New(resource(c.attrs))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("New(%v) = %v, want an error saying %q", c.attrs, err, c.want)
		}
	}
	if _, err := New(resource(map[string]cty.Value{"kernel": cty.StringVal("/k"), "initrd": cty.StringVal("/i"), "memory": cty.StringVal("1G")})); err != nil {
		t.Errorf("a good short form refused: %v", err)
	}
}

func TestParseMiB(t *testing.T) {
	for in, want := range map[string]uint{"256M": 256, "2G": 2048, "512MiB": 512, "1048576K": 1024} {
		if got, err := parseMiB(in); err != nil || got != want {
			t.Errorf("parseMiB(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
}

func TestURIs(t *testing.T) {
	e, err := parseURI("qemu+unix:///system?socket=/run/lab/n1/libvirt-sock")
	if err != nil || e.socket != "/run/lab/n1/libvirt-sock" {
		t.Errorf("socket URI: %+v %v", e, err)
	}
	if e, err := parseURI("qemu:///system"); err != nil || e.socket != defaultSocket {
		t.Errorf("system URI: %+v %v", e, err)
	}
	for _, bad := range []string{"qemu:///session", "xen:///system", "qemu+tcp://h/system", "qemu:///system?socket=/s&x=1"} {
		if _, err := parseURI(bad); err == nil {
			t.Errorf("parseURI(%q) accepted", bad)
		}
	}
	t.Setenv("LIBVIRT_DEFAULT_URI", "qemu+unix:///system?socket=/tmp/s")
	d := &driver{r: resource(nil)}
	if got := d.endpoint().socket; got != "/tmp/s" {
		t.Errorf("$LIBVIRT_DEFAULT_URI not followed: %s", got)
	}
	if got := d.virsh("start", "x"); got != "virsh -c 'qemu+unix:///system?socket=/tmp/s' start x" {
		t.Errorf("virsh line %q", got)
	}
}

func TestMarkSurvivesLibvirtsForm(t *testing.T) {
	m := mark{Service: "svc", RID: "container#vm", Config: `{"a":"<&\"'>"}`}
	el := m.element()
	if !strings.HasPrefix(el, `<omhcl:resource xmlns:omhcl="`+metadataNS+`"`) {
		t.Fatalf("element %s", el)
	}
	// libvirt gives the element back in its own namespace form
	back := strings.NewReplacer("omhcl:resource", "resource", `xmlns:omhcl=`, `xmlns=`).Replace(el)
	got, err := parseMark(back)
	if err != nil || got.Service != m.Service || got.RID != m.RID || got.Config != m.Config {
		t.Errorf("parseMark(%s) = %+v, %v", back, got, err)
	}
	other := `<app:x xmlns:app="urn:a">keep</app:x>`
	if got := withoutMark(other + el + other); got != other+other {
		t.Errorf("withoutMark left %q", got)
	}
}

func TestShortFormDefinition(t *testing.T) {
	r := resource(map[string]cty.Value{
		"kernel": cty.StringVal("/k"), "initrd": cty.StringVal("/i"), "cmdline": cty.StringVal("console=ttyS0"),
		"image": cty.StringVal("/d.qcow2"), "bridge": cty.StringVal("br0"), "accel": cty.StringVal("tcg"),
	})
	d := &driver{r: r}
	dom, err := d.definition()
	if err != nil {
		t.Fatal(err)
	}
	text, err := dom.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	var back libvirtxml.Domain
	if err := back.Unmarshal(text); err != nil {
		t.Fatal(err)
	}
	if back.Type != "qemu" || back.Name != "svc.vm" || back.UUID != domainUUID("svc", "container#vm") || back.OS.Kernel != "/k" || back.Memory.Value != 256 {
		t.Errorf("definition:\n%s", text)
	}
	if len(back.Devices.Disks) != 1 || back.Devices.Disks[0].Driver.Type != "qcow2" || len(back.Devices.Interfaces) != 1 || back.Devices.Interfaces[0].MAC.Address != defaultMAC("svc", "container#vm") {
		t.Errorf("devices:\n%s", text)
	}
	if len(back.Devices.Channels) != 1 || back.Devices.Channels[0].Target.VirtIO.Name != agentChannel {
		t.Errorf("no guest agent channel:\n%s", text)
	}
	if !strings.Contains(text, `service="svc"`) {
		t.Errorf("no mark:\n%s", text)
	}
	if domainUUID("svc", "container#vm") == domainUUID("svc", "container#vm2") {
		t.Error("two resources, one UUID")
	}
}

func TestDriftNamesAttributes(t *testing.T) {
	a := &driver{r: resource(map[string]cty.Value{"kernel": cty.StringVal("/k"), "memory": cty.StringVal("256M")})}
	b := &driver{r: resource(map[string]cty.Value{"kernel": cty.StringVal("/k2"), "memory": cty.StringVal("512M")})}
	fa, _ := a.fingerprint()
	fb, _ := b.fingerprint()
	if got := providers.ChangedKeys(fa, fb); !slices.Equal(got, []string{"kernel", "memory"}) {
		t.Errorf("drifted = %v", got)
	}
	if got := providers.ChangedKeys(fa, fa); len(got) != 0 {
		t.Errorf("a fingerprint drifts from itself: %v", got)
	}
}

func TestPlanReadsLikeVirsh(t *testing.T) {
	d := &driver{r: resource(map[string]cty.Value{"kernel": cty.StringVal("/k"), "accel": cty.StringVal("tcg"), "stop_timeout": cty.StringVal("30s")})}
	ctx := context.Background()
	start := d.Operations(ctx, providers.ActStart)
	if len(start) != 3 || !strings.HasPrefix(start[0], "virsh define <svc.vm.xml> (the short form: kernel /k, 256M, 1 vcpu, tcg, as set)") ||
		start[1] != "virsh start svc.vm" || !strings.HasPrefix(start[2], "wait for svc.vm's guest agent") {
		t.Errorf("start operations %q", start)
	}
	if stop := d.Operations(ctx, providers.ActStop); len(stop) != 1 || stop[0] != "virsh shutdown svc.vm --mode agent,acpi, then virsh destroy svc.vm after 30s" {
		t.Errorf("stop operations %q", stop)
	}
	adopted := &driver{r: resource(map[string]cty.Value{"name": cty.StringVal("vm1"), "guest_agent": cty.False})}
	if got := adopted.Operations(ctx, providers.ActStart); !slices.Equal(got, []string{"virsh start vm1"}) {
		t.Errorf("adopted start operations %q", got)
	}
}

// A plan that starts the guest fails at the attribute that makes the
// start fail on this host: an xml file that is no domain definition, a
// missing kernel, a libvirtd that does not answer at uri. The errors are
// the host's (a plan made elsewhere warns); a plan that only stops the
// guest is not refused.
func TestCheckAttrsRefusesAStartThatCannotWork(t *testing.T) {
	dir := t.TempDir()
	bad := dir + "/bad.xml"
	if err := os.WriteFile(bad, []byte("<domain type='kvm'><name>x</name><memory>lots</memory>"), 0o644); err != nil {
		t.Fatal(err)
	}
	nowhere := cty.StringVal("qemu+unix:///system?socket=" + dir + "/no-libvirtd")
	start := providers.Check{Actions: []providers.Action{providers.ActStart}, Host: true}
	for _, c := range []struct {
		attrs map[string]cty.Value
		want  map[string]string // attribute: words of its error
	}{
		{map[string]cty.Value{"xml": cty.StringVal(bad), "uri": nowhere},
			map[string]string{"xml": "not a libvirt domain definition", "uri": "no-libvirtd"}},
		{map[string]cty.Value{"xml": cty.StringVal(dir + "/none.xml"), "uri": nowhere},
			map[string]string{"xml": "no such file", "uri": "no-libvirtd"}},
		{map[string]cty.Value{"kernel": cty.StringVal(dir + "/vmlinuz"), "initrd": cty.StringVal(bad), "uri": nowhere},
			map[string]string{"kernel": "no such file", "uri": "no-libvirtd"}},
	} {
		d0, err := New(resource(c.attrs))
		if err != nil {
			t.Fatal(err)
		}
		d := d0.(*driver)
		got := map[string]string{}
		for _, e := range d.CheckAttrs(context.Background(), start) {
			if !e.Host {
				t.Errorf("%s: %s is not marked as this host's", e.Attr, e.Msg)
			}
			got[e.Attr] = e.Msg
		}
		for attr, words := range c.want {
			if !strings.Contains(got[attr], words) {
				t.Errorf("%v: the error on %s is %q, want one saying %q (all: %v)", c.attrs, attr, got[attr], words, got)
			}
		}
		if len(got) != len(c.want) {
			t.Errorf("%v: errors on %v, want on the attributes of %v", c.attrs, got, c.want)
		}
		if errs := d.CheckAttrs(context.Background(), providers.Check{Actions: []providers.Action{providers.ActStop}, Host: true}); len(errs) != 0 {
			t.Errorf("%v: a plan that stops the guest is refused: %v", c.attrs, errs)
		}
	}
}
