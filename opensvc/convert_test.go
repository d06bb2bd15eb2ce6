package opensvc

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/omhcl/omhcl/lang"
	"github.com/omhcl/omhcl/plan"
	_ "github.com/omhcl/omhcl/providers/all"
)

// load converts nothing: it loads HCL and fails on any error.
func load(t *testing.T, name string, src []byte) *lang.Config {
	t.Helper()
	cfg, diags := lang.LoadFiles(map[string][]byte{name: src})
	if diags.HasErrors() {
		var b bytes.Buffer
		lang.WriteDiagnostics(&b, cfg.Files, diags, false)
		t.Fatalf("%s does not load:\n%s\n%s", name, src, b.String())
	}
	return cfg
}

// planOn plans cfg for node against an empty snapshot: everything down,
// as on a node that runs nothing yet.
func planOn(t *testing.T, cfg *lang.Config, node string) *plan.Plan {
	t.Helper()
	return planLive(t, cfg, &plan.Live{FormatVersion: plan.LiveFormatVersion, Node: node})
}

// provisioned is the live state of a node whose resources exist, down:
// seed 003's "om svc1 set provisioned" on volumes made by hand.
func provisioned(t *testing.T, cfg *lang.Config, node string) *plan.Live {
	live := &plan.Live{FormatVersion: plan.LiveFormatVersion, Node: node}
	for _, s := range cfg.Services {
		in, _ := s.Evaluate(node, nil)
		li := &plan.LiveInstance{Service: s.Name, Node: node, Status: "down", Role: "primary", Provisioned: true}
		for _, r := range in.Resources {
			li.Resources = append(li.Resources, &plan.LiveResource{RID: r.RID(), Kind: r.Kind, Type: r.Type, Status: "down", Provisioned: true})
		}
		live.Services = append(live.Services, li)
	}
	return live
}

func planLive(t *testing.T, cfg *lang.Config, live *plan.Live) *plan.Plan {
	t.Helper()
	node := live.Node
	p, _, diags := plan.Make(context.Background(), plan.Request{Config: cfg, Source: plan.Snapshot{Live: live}, Options: plan.Options{Node: node}})
	if diags.HasErrors() {
		for _, d := range diags {
			t.Logf("%v", d)
		}
		t.Fatalf("plan on %s: %s", node, diags.Error())
	}
	return p
}

func stepList(p *plan.Plan) []string {
	var out []string
	for _, s := range p.Steps {
		step := string(s.Action) + " " + s.RID
		if s.EncapNode != "" {
			step += " in " + s.EncapNode
		}
		out = append(out, step)
	}
	return out
}

// The seeds' configurations (opensvc/testdata/seeds: each says where in
// the seed it comes from) convert, validate, and plan the resources the
// seed describes; what has no equivalent is noted.
func TestSeedsConvertAndPlan(t *testing.T) {
	cases := map[string]struct {
		node  string
		steps []string // in order
		notes []string // the notes' subjects
	}{
		"000-failover":        {"node1", []string{"start ip#0"}, nil},
		"000-flex":            {"node2", []string{"start ip#0"}, nil},
		"000-container":       {"hv1", []string{"start container#0"}, []string{"[container#0] type"}},
		"000-container-encap": {"hv1", []string{"start container#0", "start container#0 in vm1"}, []string{"[container#0] type"}},
		"001-docker":          {"n1", []string{"start container#0", "start ip#0", "start container#1"}, []string{"docker_data_dir"}},
		"002-encap":           {"hv1", []string{"start container#0", "start container#0 in vm1"}, nil},
		"004-encap-rendered":  {"hv1", []string{"start container#0", "start container#0 in vm1"}, nil},
		"003-getting-started": {"demo1", []string{"start ip#0", "start disk#0", "start disk#1", "start disk#2", "start fs#app", "start fs#data", "start app#web"}, nil},
	}
	files, _ := filepath.Glob("testdata/seeds/*.conf")
	if len(files) != len(cases) {
		t.Fatalf("%d seed configurations, %d cases", len(files), len(cases))
	}
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".conf")
		t.Run(name, func(t *testing.T) {
			want := cases[name]
			src, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			res := Convert(f, src, Options{})
			t.Logf("%s", res.HCL)
			if !bytes.Equal(lang.Format(res.HCL), res.HCL) {
				t.Errorf("not formatted as omplan fmt formats")
			}
			var notes []string
			for _, n := range res.Notes {
				notes = append(notes, n.What)
				if !bytes.Contains(res.HCL, []byte("# om import: "+n.Reason)) {
					t.Errorf("note %q is not in the HCL", n)
				}
			}
			if !slices.Equal(notes, want.notes) {
				t.Errorf("notes %q, want %q", notes, want.notes)
			}
			cfg := load(t, name+".hcl", res.HCL)
			live := &plan.Live{FormatVersion: plan.LiveFormatVersion, Node: want.node}
			if name == "003-getting-started" {
				live = provisioned(t, cfg, want.node)
			}
			got := stepList(planLive(t, cfg, live))
			t.Logf("steps on %s: %q", want.node, got)
			// the steps of the seed's resources, in order, possibly among
			// provisions and encapsulated ones
			i := 0
			for _, s := range got {
				if i < len(want.steps) && s == want.steps[i] {
					i++
				}
			}
			if i < len(want.steps) {
				t.Errorf("steps on %s %q, want %q in this order", want.node, got, want.steps)
			}
			// inside the container, the encapsulated resources start
			if encap := encapSteps[name]; encap != nil {
				if got := stepList(planOn(t, cfg, "vm1")); !slices.Equal(got, encap) {
					t.Errorf("steps in vm1 %q, want %q", got, encap)
				}
			}
		})
	}
}

// encapSteps are the plans in vm1 of the encapsulated seeds.
var encapSteps = map[string][]string{
	"000-container-encap": {"start ip#0"},
	"002-encap":           {"provision fs#1", "start fs#1"},
	"004-encap-rendered":  {"provision fs#1", "start fs#1"},
}

// The converted seeds mean what examples/ translates by hand: the same
// instance on every node (the service names aside).
func TestSeedsMatchTheExamples(t *testing.T) {
	for conf, example := range map[string]string{
		"000-failover": "ip-failover", "000-flex": "ip-flex", "000-container": "container",
		"000-container-encap": "container-encap", "001-docker": "docker-netns", "002-encap": "encap",
	} {
		src, err := os.ReadFile("testdata/seeds/" + conf + ".conf")
		if err != nil {
			t.Fatal(err)
		}
		ex, diags := lang.Load(filepath.Join("..", "examples", example))
		if diags.HasErrors() {
			t.Fatal(diags.Error())
		}
		res := Convert(conf+".conf", src, Options{Name: ex.Services[0].Name})
		got := load(t, conf+".hcl", res.HCL)
		for _, node := range ex.AllNodes() {
			if a, b := instanceJSON(t, ex, node), instanceJSON(t, got, node); a != b {
				t.Errorf("%s and examples/%s differ on %s:\n%s\n%s", conf, example, node, b, a)
			}
		}
	}
}

// instanceJSON renders what a node makes of the only service of cfg.
func instanceJSON(t *testing.T, cfg *lang.Config, node string) string {
	t.Helper()
	in, diags := cfg.Services[0].Evaluate(node, nil)
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	type res struct {
		RID, Type string
		Attrs     string
		Common    any
	}
	var out []res
	for _, r := range in.Resources {
		attrs := map[string]string{}
		for k, v := range r.Attrs {
			attrs[k] = v.GoString()
		}
		b, _ := json.Marshal(attrs)
		out = append(out, res{r.RID(), r.Type, string(b), r.Common})
	}
	b, _ := json.Marshal(struct {
		S lang.Settings
		R []res
		D map[string][]string
	}{in.Settings, out, in.DependsOn})
	return string(b)
}

// What has no equivalent is kept at its place as a comment with the
// reason, and listed: nothing is dropped.
func TestNothingDropped(t *testing.T) {
	src := `[DEFAULT]
nodes = n1 n2
docker_data_dir = /srv/d
hard_affinity = svc2
nodes@flex_primary = n1

# the web tier
[app#web]
start = {fs#app.mnt}/run {env.port}
start_requires = fs#app(up)
monitor = maybe
monitor = true
type@n1 = simple

[fs#app]
type = nfs
mnt = /srv

[task#backup]
command = /usr/bin/backup
schedule = @1d

[sync#i0]
schedule = @1h

not a key line
`
	res := Convert("svc.conf", []byte(src), Options{})
	t.Logf("%s", res.HCL)
	hclText := string(res.HCL)
	for _, line := range strings.Split(src, "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if ok && !strings.Contains(hclText, "# "+line) &&
			!strings.Contains(hclText, strings.TrimSpace(k)) && !strings.Contains(hclText, strings.TrimSpace(v)) {
			t.Errorf("%q is nowhere in the HCL", line)
		}
		if kind, name, isRes := strings.Cut(strings.Trim(line, "[]"), "#"); isRes && strings.HasPrefix(line, "[") &&
			strings.Contains(hclText, kind+` "`+name+`" {`) {
			continue
		}
		if !ok && !strings.Contains(hclText, strings.TrimPrefix(line, "# ")) {
			t.Errorf("%q is nowhere in the HCL", line)
		}
	}
	wantNotes := map[string]string{
		"docker_data_dir":    "dockerd --data-root",
		"hard_affinity":      "no affinity between services",
		"nodes@flex_primary": "flex_primary",
		"start":              "{env.port} has no omhcl equivalent",
		"start_requires":     "depends_on",
		"monitor":            "not a boolean",
		"type@n1":            "cannot be scoped",
		"[fs#app]":           `no driver for fs type "nfs"`,
		"[task#backup]":      "no task resources",
		"[sync#i0]":          "through its daemons",
		"line":               "not a section header",
	}
	got := map[string]string{}
	for _, n := range res.Notes {
		got[n.What] += n.Reason
	}
	for what, words := range wantNotes {
		if !strings.Contains(got[what], words) {
			t.Errorf("note on %s: %q, want it to say %q", what, got[what], words)
		}
	}
	// the rest converts: the HCL parses; app#web refers to an fs#app that
	// is only a comment, which validation reports
	if _, diags := hclsyntax.ParseConfig(res.HCL, "svc.hcl", hcl.InitialPos); diags.HasErrors() {
		t.Fatalf("HCL with syntax errors: %s", diags.Error())
	}
	if !strings.Contains(hclText, `start = "${fs.app.mnt}/run {env.port}"`) {
		t.Errorf("start not converted with what it can")
	}
}

// Values: lists, booleans, numbers, maps, references, scoping, escapes.
func TestValues(t *testing.T) {
	src := `[DEFAULT]
nodes = n1 n2
drpnodes = d1
flex_max = 2
orchestrate@n2 = start

[container#web]
type = docker
image = nginx
command = /bin/sh -c 'echo "{nodename}" ${HOME} %{x}'
env = A=1 "B=two words" NODE={nodename}
rm = yes
restart = 3
always_on = drpnodes
hostname@n1 = web-{name}

[app#run]
start = /bin/run
start_timeout = 60
stop_timeout = 1m30s
check_timeout = 2d1h
restart_delay = 500ms

[disk#data]
type = loop
file = /srv/{namespace}/{name}.img
size = 1g

[fs#data]
type = ext4
dev = {disk#data.exposed_devs[0]}
mnt = /srv/data
mkfs_opt = -L data
  -m 1
`
	res := Convert("svc.conf", []byte(src), Options{})
	hclText := squeeze(string(res.HCL))
	t.Logf("%s", res.HCL)
	if len(res.Notes) != 0 {
		t.Errorf("notes: %v", res.Notes)
	}
	for _, want := range []string{
		`nodes    = ["n1", "n2"]`, `flex_max = 2`, "on \"n2\" {\n    orchestrate = \"start\"",
		`command  = ["/bin/sh", "-c", "echo \"${node.name}\" $${HOME} %%{x}"]`,
		`env      = { A = "1", B = "two words", NODE = node.name }`,
		`rm       = true`, `restart  = 3`, "on \"@drpnodes\" {\n      standby = true",
		"on \"n1\" {\n      hostname = \"web-${service.name}\"",
		`file = "/srv/root/${service.name}.img"`,
		`start_timeout = "60s"`, `stop_timeout = "1m30s"`, `check_timeout = "49h"`, `restart_delay = "500ms"`,
		`dev      = disk.data.exposed_devs[0]`, `mkfs_opt = ["-L", "data", "-m", "1"]`,
	} {
		if !strings.Contains(hclText, squeeze(want)) {
			t.Errorf("no %s", want)
		}
	}
	cfg := load(t, "svc.hcl", res.HCL)
	in, diags := cfg.Services[0].Evaluate("n1", nil)
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	if got := in.Resource("container#web").Strings("command"); !slices.Equal(got, []string{"/bin/sh", "-c", `echo "n1" ${HOME} %{x}`}) {
		t.Errorf("command on n1: %q", got)
	}
}

// squeeze makes runs of blanks one space: hclwrite aligns equals signs.
func squeeze(s string) string {
	return strings.Join(strings.FieldsFunc(s, func(r rune) bool { return r == ' ' }), " ")
}

// A file that is no INI at all converts to HCL that parses, every line a
// note.
func TestGarbage(t *testing.T) {
	res := Convert("x.conf", []byte("\x00\xff{\n}}\"\n= =\n[\n\t x = y\n"), Options{})
	if _, diags := hclsyntax.ParseConfig(res.HCL, "x.hcl", hcl.InitialPos); diags.HasErrors() {
		t.Fatalf("%s\n%s", res.HCL, diags.Error())
	}
	if len(res.Notes) == 0 {
		t.Errorf("no notes for garbage")
	}
}

// FuzzConvert: no input panics, and the HCL written always parses.
func FuzzConvert(f *testing.F) {
	files, _ := filepath.Glob("testdata/seeds/*.conf")
	for _, p := range files {
		b, _ := os.ReadFile(p)
		f.Add(b)
	}
	f.Add([]byte("[DEFAULT]\nnodes = a\n[app#1]\nstart = {fs#x.mnt} '\n  more\n[ip#0]\nipname@nodes = {nodename}\n"))
	f.Fuzz(func(t *testing.T, src []byte) {
		done := make(chan struct{})
		defer close(done)
		go func() { // a hang is a failing input, with every goroutine's stack
			select {
			case <-done:
			case <-time.After(10 * time.Second):
				debug.SetTraceback("all")
				panic(fmt.Sprintf("input ran for more than 10s: %q", src))
			}
		}()
		res := Convert("fuzz.conf", src, Options{})
		if _, diags := hclsyntax.ParseConfig(res.HCL, "fuzz.hcl", hcl.InitialPos); diags.HasErrors() {
			t.Fatalf("%q converts to HCL with syntax errors:\n%s\n%s", src, res.HCL, diags.Error())
		}
		cfg, _ := lang.LoadFiles(map[string][]byte{"fuzz.hcl": res.HCL})
		for _, s := range cfg.Services {
			s.Evaluate("n1", nil)
		}
	})
}
