package lang

import (
	"reflect"
	"testing"
	"time"

	"github.com/omhcl/omhcl/providers"
	"github.com/zclconf/go-cty/cty"
)

const lvChain = `
service "svc1" {
  nodes = ["demo1", "demo2"]
  disk "vg" {
    type = "ltvg"
    name = "vgsvc1"
  }
  disk "app" {
    type = "ltlv"
    name = "app"
    vg   = disk.vg.name
  }
  fs "app" {
    type = "ltfs"
    dev  = disk.app.exposed_devs[0]
    mnt  = "/${service.name}/app"
    opts = [upper(disk.app.exposed_devs[0]), "ro"]
  }
  app "web" {
    type  = "ltapp"
    start = "${fs.app.mnt}/launcher start ${fs.app.dev}"
    env   = { DEV = fs.app.dev, NODE = node.name }
  }
}
`

// Without an exposer every exposed value is unknown, and so is everything
// computed from it; nothing else is.
func TestUnknownPropagation(t *testing.T) {
	in := mustEval(t, lvChain, "demo1", nil)
	if v := attrOf(t, in, "fs#app", "dev"); v.IsKnown() || v.Type() != cty.String {
		t.Errorf("fs#app dev %#v, want unknown string", v)
	}
	opts := attrOf(t, in, "fs#app", "opts")
	if opts.IsWhollyKnown() || !opts.IsKnown() || opts.LengthInt() != 2 {
		t.Errorf("opts %#v, want a known list of 2 with an unknown element", opts)
	}
	if v := attrOf(t, in, "app#web", "start"); v.IsKnown() {
		t.Errorf("start %#v, want unknown", v)
	}
	if got := strAttr(t, in, "fs#app", "mnt"); got != "/svc1/app" {
		t.Errorf("mnt %q", got)
	}
	env := attrOf(t, in, "app#web", "env")
	if env.IsWhollyKnown() || env.Index(cty.StringVal("NODE")).AsString() != "demo1" {
		t.Errorf("env %#v", env)
	}
}

// The exposer's values reach later references; the exposer sees evaluated
// attributes.
func TestExposedValues(t *testing.T) {
	var seen []string
	exposer := func(r *providers.Resource) map[string]cty.Value {
		seen = append(seen, r.RID()+"="+r.Str("name"))
		if r.RID() == "disk#app" {
			if r.Str("vg") != "vgsvc1" {
				t.Errorf("exposer got vg %q", r.Str("vg"))
			}
			return map[string]cty.Value{"exposed_devs": cty.TupleVal([]cty.Value{cty.StringVal("/dev/vgsvc1/app")})}
		}
		return nil
	}
	in := mustEval(t, lvChain, "demo2", exposer)
	if got := strAttr(t, in, "fs#app", "dev"); got != "/dev/vgsvc1/app" {
		t.Errorf("dev %q", got)
	}
	if got := strAttr(t, in, "app#web", "start"); got != "/svc1/app/launcher start /dev/vgsvc1/app" {
		t.Errorf("start %q", got)
	}
	env := in.Resource("app#web").StringMap("env")
	if !reflect.DeepEqual(env, map[string]string{"DEV": "/dev/vgsvc1/app", "NODE": "demo2"}) {
		t.Errorf("env %v", env)
	}
	// Only drivers exposing something are asked.
	if want := []string{"disk#vg=vgsvc1", "disk#app=app"}; !reflect.DeepEqual(seen, want) {
		t.Errorf("exposer calls %v, want %v", seen, want)
	}
	if _, ok := in.Resource("disk#app").Attrs["exposed_devs"]; ok {
		t.Errorf("exposed attributes leaked into Resource.Attrs")
	}
}

// An exposer returning a value of the wrong type is reported, not trusted.
func TestExposedWrongType(t *testing.T) {
	cfg := mustLoad(t, lvChain)
	_, diags := cfg.Services[0].Evaluate("demo1", func(r *providers.Resource) map[string]cty.Value {
		return map[string]cty.Value{"exposed_devs": cty.True}
	})
	if findDiag(diags, "Invalid exposed value") == nil {
		t.Fatalf("no diagnostic: %s", render(cfg, diags))
	}
}

func TestDefaultsAndCommon(t *testing.T) {
	src := `
service "s" {
  app "a" {
    type          = "ltapp"
    start         = "x"
    monitor       = true
    restart       = 2
    restart_delay = "500ms"
    tags          = ["db", "encap"]
    provision     = false
    standby       = true
    optional      = true
    disable       = true
  }
  app "b" {
    type  = "ltapp"
    start = "${app.a.rid} ${app.a.type} ${app.a.name} ${app.a.restart} ${app.a.timeout} ${join(",", app.a.tags)} ${app.a.monitor}"
    retries = null
  }
}
`
	in := mustEval(t, src, "n1", nil)
	a := in.Resource("app#a")
	want := providers.Common{Disable: true, Optional: true, Monitor: true, Standby: true, Encap: true, Provision: false,
		Restart: 2, RestartDelay: 500 * time.Millisecond, Tags: []string{"db", "encap"}}
	if !reflect.DeepEqual(a.Common, want) {
		t.Errorf("common %+v\nwant   %+v", a.Common, want)
	}
	if got := a.Str("timeout"); got != "60s" {
		t.Errorf("default timeout %q", got)
	}
	if v := a.Attrs["stop"]; !v.IsNull() || v.Type() != cty.String {
		t.Errorf("absent stop %#v, want null string", v)
	}
	b := in.Resource("app#b")
	if got := b.Str("start"); got != "app#a ltapp a 2 60s db,encap true" {
		t.Errorf("start %q", got)
	}
	if b.Int("retries") != 3 {
		t.Errorf("retries = null must take the default, got %v", b.Attrs["retries"])
	}
	if !b.Common.Provision || b.Common.Encap || b.Common.Tags == nil {
		t.Errorf("b common defaults %+v", b.Common)
	}
}

func TestFunctions(t *testing.T) {
	src := `
service "s" {
  nodes = ["n1", "n2"]
  app = format("%s-%03d", upper(service.name), 7)
  app "a" {
    type  = "ltapp"
    start = join(" ", [
      lower("ABC"),
      replace("a-b-c", "-", "+"),
      element(split(",", "x,y,z"), 1),
      tostring(length(service.nodes)),
      lookup({ k = "v" }, "k", "d"),
      tostring(contains(service.nodes, node.name)),
      coalesce(null, "first"),
      trimspace("  t  "),
      substr("hello", 1, 3),
      tostring(max(3, 9, 4)),
      jsonencode({ a = 1 }),
      regex("[0-9]+", "ab123"),
      join("", keys({ b = 1, a = 2 })),
      tostring(length("four")),
      service.app,
    ])
  }
}
`
	in := mustEval(t, src, "n2", nil)
	want := `abc a+b+c y 2 v true first t ell 9 {"a":1} 123 ab 4 S-007`
	if got := in.Resource("app#a").Str("start"); got != want {
		t.Errorf("start\n got %q\nwant %q", got, want)
	}
	if in.Settings.App != "S-007" {
		t.Errorf("app %q", in.Settings.App)
	}
}

func TestFunctionErrorsAreDiagnostics(t *testing.T) {
	for _, expr := range []string{
		`format("%99999d", 1)`,
		`element([], 0)`,
		`regex("(", "x")`,
		`jsondecode("{")`,
		`substr(1)`,
	} {
		src := "service \"s\" {\n  app \"a\" {\n    type = \"ltapp\"\n    start = " + expr + "\n  }\n}\n"
		cfg, diags := allDiags(t, src, "n1")
		if !diags.HasErrors() {
			t.Errorf("%s: no error", expr)
			continue
		}
		if d := diags[0]; d.Subject == nil || d.Subject.Start.Line != 4 {
			t.Errorf("%s: diagnostic not on line 4: %s", expr, render(cfg, diags))
		}
	}
}

func TestUnsupportedTypeCarriesAttributes(t *testing.T) {
	src := `
service "s" {
  container "c" {
    type  = "xen"
    image = "nginx"
    rm    = true
    netns = container.pause.name
    on "n2" {
      image = "nginx:old"
    }
  }
  container "pause" {
    type  = "xen"
    image = "pause"
  }
}
`
	cfg, diags := loadSrc(t, src)
	if diags.HasErrors() || len(diags) != 2 {
		t.Fatalf("want 2 warnings, got %s", render(cfg, diags))
	}
	in, diags := cfg.Services[0].Evaluate("n2", nil)
	if diags.HasErrors() {
		t.Fatal(render(cfg, diags))
	}
	c := in.Resource("container#c")
	if c.Str("image") != "nginx:old" || !c.Bool("rm") || c.Str("netns") != "pause" || c.Type != "xen" {
		t.Errorf("carried attrs %v", c.Attrs)
	}
	if got := rids(in); !reflect.DeepEqual(got, []string{"container#pause", "container#c"}) {
		t.Errorf("order %v", got)
	}
}

// A common attribute computed from an exposed value takes its default (with
// a warning) until the value is known, then the computed value.
func TestCommonFromExposedValue(t *testing.T) {
	src := `
service "s" {
  disk "vg" {
    type = "ltvg"
    name = "v"
  }
  fs "a" {
    type    = "ltfs"
    mnt     = "/a"
    monitor = length(disk.vg.exposed_devs) > 0
  }
}
`
	cfg := mustLoad(t, src)
	in, diags := cfg.Services[0].Evaluate("n1", nil)
	if diags.HasErrors() || findDiag(diags, "Value known only after apply") == nil {
		t.Fatalf("want a warning only: %s", render(cfg, diags))
	}
	if in.Resource("fs#a").Common.Monitor {
		t.Errorf("monitor must default to false while unknown")
	}
	in = mustEval(t, src, "n1", staticExposer(map[string]map[string]cty.Value{
		"disk#vg": {"exposed_devs": cty.ListVal([]cty.Value{cty.StringVal("/dev/v/x")})},
	}))
	if !in.Resource("fs#a").Common.Monitor {
		t.Errorf("monitor must be true once the devices are known")
	}
}

// TestServiceID accepts the seed's DEFAULT id and reads it as service.id.
func TestServiceID(t *testing.T) {
	const id = "d74cc963-8f18-4c73-9691-9a833dba2a22"
	in := mustEval(t, `service "svc1" {
  nodes = ["demo1"]
  id    = "`+id+`"
  app "web" {
    type  = "ltapp"
    start = "run ${service.id}"
  }
}`, "demo1", nil)
	if in.Settings.ID != id {
		t.Errorf("Settings.ID = %q, want %q", in.Settings.ID, id)
	}
	if got := in.Resource("app#web").Str("start"); got != "run "+id {
		t.Errorf("start = %q, want service.id in it", got)
	}
}
