package containerlxc_test

import (
	"strings"
	"testing"

	"github.com/omhcl/omhcl/providers"
	_ "github.com/omhcl/omhcl/providers/containerlxc"
	"github.com/omhcl/omhcl/testfixtures/disklab"
	"github.com/zclconf/go-cty/cty"
)

func resource(attrs map[string]cty.Value) *providers.Resource {
	return &providers.Resource{Service: "svc1", Node: "n1", Kind: "container", Type: "lxc", Name: "web", Attrs: attrs}
}

func TestOperationsFromAttrs(t *testing.T) {
	spec, ok := providers.Lookup("container", "lxc")
	if !ok {
		t.Fatal("container.lxc is not registered")
	}
	d, err := spec.New(resource(map[string]cty.Value{
		"lxcpath": cty.StringVal("/srv/lxc"), "hostname": cty.StringVal("web1"),
		"start_timeout": cty.StringVal("1500ms"), "stop_timeout": cty.StringVal("10s"),
	}))
	if err != nil {
		t.Fatal(err)
	}
	cfg := "set in /srv/lxc/svc1.web/config: lxc.net.0.type = empty, lxc.uts.name = web1"
	disklab.CheckOps(t, d, "", map[providers.Action][]string{
		providers.ActProvision:   {"lxc-create -n svc1.web -P /srv/lxc -f /dev/null -t busybox (skipped when svc1.web exists)"},
		providers.ActStart:       {cfg, "lxc-start -n svc1.web -P /srv/lxc -d", "lxc-wait -n svc1.web -P /srv/lxc -s RUNNING -t 2"},
		providers.ActStop:        {"lxc-stop -n svc1.web -P /srv/lxc -t 10"},
		providers.ActUnprovision: {"lxc-destroy -n svc1.web -P /srv/lxc"},
	})
}

func TestUnknownNameAtPlanning(t *testing.T) {
	spec, _ := providers.Lookup("container", "lxc")
	d, err := spec.New(resource(map[string]cty.Value{"name": cty.UnknownVal(cty.String)}))
	if err != nil {
		t.Fatal(err)
	}
	if st := d.Status(t.Context()); st.State != providers.Down {
		t.Errorf("status = %v, want down", st)
	}
	if ops := d.Operations(t.Context(), providers.ActStop); len(ops) != 1 || !strings.Contains(ops[0], providers.Unknown) {
		t.Errorf("stop operations = %q", ops)
	}
	for k, v := range d.Exposed(t.Context()) {
		if v.IsKnown() {
			t.Errorf("exposed %s = %v before apply", k, v)
		}
	}
}

func TestNewRefusesBadAttrs(t *testing.T) {
	spec, _ := providers.Lookup("container", "lxc")
	for attr, v := range map[string]cty.Value{
		"name":          cty.StringVal("../etc"),
		"hostname":      cty.StringVal("a b"),
		"lxcpath":       cty.StringVal("relative"),
		"start_timeout": cty.StringVal("-1s"),
		"stop_timeout":  cty.StringVal("soon"),
		"config":        cty.MapVal(map[string]cty.Value{"net.0.type": cty.StringVal("veth")}),
	} {
		_, err := spec.New(resource(map[string]cty.Value{attr: v}))
		if err == nil || !strings.Contains(err.Error(), "container#web") {
			t.Errorf("%s = %#v: New error = %v, want one naming container#web", attr, v, err)
		}
	}
	_, err := spec.New(resource(map[string]cty.Value{"config": cty.MapVal(map[string]cty.Value{"lxc.mount.entry": cty.StringVal("a\nlxc.x = y")})}))
	if err == nil {
		t.Error("a config value with a newline was accepted")
	}
}
