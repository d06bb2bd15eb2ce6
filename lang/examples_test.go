package lang

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/omhcl/omhcl/providers"
	"github.com/zclconf/go-cty/cty"
)

const examplesDir = "../examples"

// lvExposer plays the lv driver once the volumes are active: the device of
// an lv is /dev/VG/NAME.
func lvExposer(r *providers.Resource) map[string]cty.Value {
	if r.Kind == "disk" && r.Type == "lv" && r.Known("vg", "name") {
		return map[string]cty.Value{"exposed_devs": cty.ListVal([]cty.Value{cty.StringVal("/dev/" + r.Str("vg") + "/" + r.Str("name"))})}
	}
	return nil
}

// loadExample loads examples/NAME and returns its only service; warnings
// (planned types without driver) are returned.
func loadExample(t *testing.T, name string) (*Config, *Service, hcl.Diagnostics) {
	t.Helper()
	cfg, diags := Load(filepath.Join(examplesDir, name))
	if diags.HasErrors() {
		t.Fatalf("%s: %s", name, render(cfg, diags))
	}
	if len(cfg.Services) != 1 {
		t.Fatalf("%s: %d services", name, len(cfg.Services))
	}
	return cfg, cfg.Services[0], diags
}

func evalExample(t *testing.T, cfg *Config, s *Service, node string, exposer Exposer) *Instance {
	t.Helper()
	in, diags := s.Evaluate(node, exposer)
	if diags.HasErrors() {
		t.Fatalf("%s on %s: %s", s.Name, node, render(cfg, diags))
	}
	return in
}

func TestExampleGettingStarted(t *testing.T) {
	cfg, s, diags := loadExample(t, "getting-started")
	if len(diags) != 0 {
		t.Errorf("unexpected diagnostics: %s", render(cfg, diags))
	}
	for _, node := range []string{"demo1", "demo2"} {
		in := evalExample(t, cfg, s, node, lvExposer)
		want := []string{"ip#0", "disk#0", "disk#1", "disk#2", "fs#app", "fs#data", "app#web"}
		if got := rids(in); !reflect.DeepEqual(got, want) {
			t.Errorf("%s: order %v, want %v", node, got, want)
		}
		checks := map[string]string{
			"ip#0.ipname":   "demosvc.opensvc.com",
			"ip#0.ipdev":    "br-prd",
			"disk#0.name":   "vgsvc1",
			"disk#1.vg":     "vgsvc1",
			"disk#2.vg":     "vgsvc1",
			"fs#app.dev":    "/dev/vgsvc1/app",
			"fs#app.mnt":    "/svc1/app",
			"fs#data.dev":   "/dev/vgsvc1/data",
			"fs#data.mnt":   "/svc1/data",
			"app#web.start": "/svc1/app/weblauncher start",
			"app#web.check": "/svc1/app/weblauncher status",
		}
		for key, want := range checks {
			rid, attr := splitKey(key)
			if got := strAttr(t, in, rid, attr); got != want {
				t.Errorf("%s: %s = %q, want %q", node, key, got, want)
			}
		}
		if !in.Resource("app#web").Common.Monitor || in.Settings.Orchestrate != "ha" || in.Settings.App != "MyApp" {
			t.Errorf("%s: monitor/orchestrate/app: %+v %+v", node, in.Resource("app#web").Common, in.Settings)
		}
		if !reflect.DeepEqual(in.DependsOn["fs#app"], []string{"ip#0", "disk#0", "disk#1", "disk#2"}) {
			t.Errorf("fs#app deps %v", in.DependsOn["fs#app"])
		}
	}
	// Before the volumes are up, their devices are unknown, and stay so.
	in := evalExample(t, cfg, s, "demo1", nil)
	if v := attrOf(t, in, "fs#app", "dev"); v.IsKnown() {
		t.Errorf("fs#app.dev without exposer %#v, want unknown", v)
	}
	if got := strAttr(t, in, "fs#data", "mnt"); got != "/svc1/data" {
		t.Errorf("mnt %q", got)
	}
}

func splitKey(key string) (string, string) {
	i := strings.LastIndexByte(key, '.')
	return key[:i], key[i+1:]
}

func TestExampleIPFailover(t *testing.T) {
	cfg, s, _ := loadExample(t, "ip-failover")
	for node, want := range map[string]string{"node1": "ipname1", "node2": "ipname1", "drp1": "ipname2"} {
		in := evalExample(t, cfg, s, node, nil)
		if got := strAttr(t, in, "ip#0", "ipname"); got != want {
			t.Errorf("%s: ipname %q, want %q", node, got, want)
		}
		if got := strAttr(t, in, "ip#0", "ipdev"); got != "eth0" {
			t.Errorf("%s: ipdev %q", node, got)
		}
	}
}

func TestExampleIPFlex(t *testing.T) {
	cfg, s, _ := loadExample(t, "ip-flex")
	for i, node := range []string{"node1", "node2", "node3"} {
		in := evalExample(t, cfg, s, node, nil)
		want := []string{"ipname1", "ipname2", "ipname3"}[i]
		if got := strAttr(t, in, "ip#0", "ipname"); got != want {
			t.Errorf("%s: ipname %q, want %q", node, got, want)
		}
		if in.Settings.Topology != "flex" || in.Settings.FlexMin != 1 || in.Settings.FlexMax != 3 {
			t.Errorf("%s: settings %+v", node, in.Settings)
		}
	}
}

func TestExampleContainer(t *testing.T) {
	cfg, s, diags := loadExample(t, "container")
	if len(diags) != 0 {
		t.Errorf("the kvm container loads without a word: %s", render(cfg, diags))
	}
	in := evalExample(t, cfg, s, "hv1", nil)
	c := in.Resource("container#0")
	if c == nil || c.Type != "kvm" || c.Str("name") != "vm1" {
		t.Fatalf("container %+v", c)
	}
}

func TestExampleContainerEncap(t *testing.T) {
	cfg, s, _ := loadExample(t, "container-encap")
	hv := evalExample(t, cfg, s, "hv1", nil)
	if !reflect.DeepEqual(hv.Settings.Nodes, []string{"hv1", "hv2"}) {
		t.Errorf("hv1 nodes %v", hv.Settings.Nodes)
	}
	if !hv.Resource("ip#0").Common.Encap || !hv.Resource("container#0").Common.Standby {
		t.Errorf("encap/standby flags: %+v %+v", hv.Resource("ip#0").Common, hv.Resource("container#0").Common)
	}
	if hv.Resource("container#0").Common.Encap {
		t.Errorf("the container must not be encap")
	}
	vm := evalExample(t, cfg, s, "vm1", nil)
	if !reflect.DeepEqual(vm.Settings.Nodes, []string{"vm1"}) {
		t.Errorf("vm1 nodes %v", vm.Settings.Nodes)
	}
}

func TestExampleEncap(t *testing.T) {
	cfg, s, _ := loadExample(t, "encap")
	for node, want := range map[string][]string{"hv1": {"hv1", "hv2"}, "hv2": {"hv1", "hv2"}, "vm1": {"vm1"}} {
		in := evalExample(t, cfg, s, node, nil)
		if !reflect.DeepEqual(in.Settings.Nodes, want) {
			t.Errorf("%s: nodes %v, want %v", node, in.Settings.Nodes, want)
		}
		if !reflect.DeepEqual(in.Settings.EncapNodes, []string{"vm1"}) {
			t.Errorf("%s: encapnodes %v", node, in.Settings.EncapNodes)
		}
		fs := in.Resource("fs#1")
		if !fs.Common.Encap || fs.Str("mnt_opt") != "rw,relatime" || fs.Str("dev") != "/dev/mapper/vgdata-tools" || fs.Type != "ext4" {
			t.Errorf("%s: fs#1 %+v %v", node, fs.Common, fs.Attrs)
		}
		if got := rids(in); !reflect.DeepEqual(got, []string{"fs#1", "container#0"}) {
			t.Errorf("%s: order %v", node, got)
		}
	}
}

func TestExampleDockerNetns(t *testing.T) {
	cfg, s, diags := loadExample(t, "docker-netns")
	for _, d := range diags {
		if strings.Contains(d.Summary, "container.docker") {
			t.Errorf("container.docker has a driver: %s", render(cfg, diags))
		}
	}
	for _, node := range []string{"n1", "n2", "n3"} {
		in := evalExample(t, cfg, s, node, nil)
		if got, want := rids(in), []string{"container#0", "ip#0", "container#1"}; !reflect.DeepEqual(got, want) {
			t.Errorf("%s: order %v, want %v", node, got, want)
		}
		ip := in.Resource("ip#0")
		// the namespace is container 0's, known once it runs
		if ip.Attrs["netns"].IsKnown() || ip.Str("netmask") != "255.255.255.0" || ip.Str("ipname") != "10.0.3.3" {
			t.Errorf("%s: ip attrs %v", node, ip.Attrs)
		}
		if got := in.Resource("container#1").Str("netns"); got != "container#0" {
			t.Errorf("%s: nginx netns %q", node, got)
		}
		if !in.Resource("container#0").Bool("rm") {
			t.Errorf("%s: rm not carried", node)
		}
	}
}

// The brief's own example, with the real drivers' default types.
func TestExampleDefaultTypes(t *testing.T) {
	src := `
service "svc1" {
  nodes = ["demo1", "demo2"]
  app   = "MyApp"
  ip "main" {
    ipname = "demosvc.example.com"
    ipdev  = "br-prd"
  }
  disk "vg" {
    type = "vg"
    name = "vgsvc1"
  }
  disk "app" {
    type = "lv"
    name = "app"
    vg   = disk.vg.name
  }
  fs "app" {
    type = "ext4"
    dev  = disk.app.exposed_devs[0]
    mnt  = "/${service.name}/app"
  }
  app "web" {
    start   = "${fs.app.mnt}/launcher start"
    stop    = "${fs.app.mnt}/launcher stop"
    check   = "${fs.app.mnt}/launcher status"
    monitor = true
  }
}
`
	in := mustEval(t, src, "demo1", lvExposer)
	ipSpec, _ := providers.Lookup("ip", "")
	appSpec, _ := providers.Lookup("app", "")
	if in.Resource("ip#main").Type != ipSpec.Type || in.Resource("app#web").Type != appSpec.Type {
		t.Errorf("default types: ip %s, app %s", in.Resource("ip#main").Type, in.Resource("app#web").Type)
	}
	if got := strAttr(t, in, "fs#app", "dev"); got != "/dev/vgsvc1/app" {
		t.Errorf("dev %q", got)
	}
	if got := strAttr(t, in, "app#web", "stop"); got != "/svc1/app/launcher stop" {
		t.Errorf("stop %q", got)
	}
	if got := rids(in); !reflect.DeepEqual(got, []string{"ip#main", "disk#vg", "disk#app", "fs#app", "app#web"}) {
		t.Errorf("order %v", got)
	}
}

// Every example directory, including ones other work adds, loads without
// errors and evaluates for each of its nodes.
func TestAllExamples(t *testing.T) {
	entries, err := os.ReadDir(examplesDir)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		dir := filepath.Join(examplesDir, e.Name())
		if m, _ := filepath.Glob(filepath.Join(dir, "*.hcl")); len(m) == 0 {
			continue
		}
		n++
		cfg, diags := Load(dir)
		if diags.HasErrors() {
			t.Errorf("%s: %s", dir, render(cfg, diags))
			continue
		}
		for _, s := range cfg.Services {
			for _, node := range append(cfg.AllNodes(), "") {
				if _, diags := s.Evaluate(node, nil); diags.HasErrors() {
					t.Errorf("%s: %s on %q: %s", dir, s.Name, node, render(cfg, diags))
				}
			}
		}
	}
	if n < 7 {
		t.Errorf("only %d examples found", n)
	}
}

// The language page lists every function, and every example directory.
func TestReadmeIsComplete(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(examplesDir, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	text := strings.Join(strings.Fields(string(b)), " ")
	for _, f := range FunctionNames() {
		if !strings.Contains(text, " "+f+",") && !strings.Contains(text, " "+f+".") {
			t.Errorf("README does not list function %s", f)
		}
	}
	for _, dir := range []string{"getting-started", "ip-failover", "ip-flex", "container", "container-encap", "encap", "docker-netns", "demo", "lab", "lab-flex"} {
		if !strings.Contains(text, "| "+dir+" |") {
			t.Errorf("README does not list example %s", dir)
		}
	}
}
