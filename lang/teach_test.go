package lang

import (
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
)

// seedINI is seed 003's configuration as its getting-started page has it,
// pasted into a .hcl file as a new user would.
const seedINI = `[DEFAULT]
app = MyApp
nodes = demo1 demo2
id = d74cc963-8f18-4c73-9691-9a833dba2a22

[ip#0]
ipname = demosvc.opensvc.com
ipdev = br-prd

[disk#1]
type = lv
name = app
vg = {disk#0.name}

[fs#app]
type = ext4
dev = {disk#1.exposed_devs[0]}
mnt = /{name}/{disk#1.name}
`

// teachCases are the errors that answer what OpenSVC users write first;
// words are the key words each message must hold.
var teachCases = []struct {
	diagCase
	words []string
}{
	{diagCase{name: "INI file", src: seedINI, summary: "OpenSVC INI configuration", at: "[DEFAULT]"},
		[]string{"om import test.hcl", "--out", `ip "0"`, `on "node1"`, "disk.1.exposed_devs[0]", "examples/"}},
	{diagCase{name: "INI resource section", src: "[ip#0]\nipname = a\n[fs#1]\nmnt = /x\n", summary: "OpenSVC INI configuration", at: "[ip#0]"},
		[]string{"om import"}},
	{diagCase{name: "quoted scoped key", src: "service \"s\" {\n  ip \"0\" {\n    \"ipname@node1\" = \"a.example\"\n    ipdev = \"eth0\"\n  }\n}\n",
		summary: "OpenSVC scoped key", at: `"ipname@node1"`},
		[]string{`on "node1" { ipname = ... }`, `"@nodes"`}},
	{diagCase{name: "quoted node-set key", src: "service \"s\" {\n  ip \"0\" {\n    \"ipname@drpnodes\" = \"a.example\"\n    ipdev = \"eth0\"\n  }\n}\n",
		summary: "OpenSVC scoped key", at: `"ipname@drpnodes"`},
		[]string{`on "@drpnodes" { ipname = ... }`}},
	{diagCase{name: "unquoted scoped key", src: "service \"s\" {\n  nodes@encapnodes = [\"vm1\"]\n}\n",
		summary: "OpenSVC scoped key", at: "@encapnodes"},
		[]string{`on "@encapnodes" { nodes = ... }`}},
	{diagCase{name: "unquoted word", src: "service \"s\" {\n  orchestrate = ha\n}\n", summary: "Unquoted string", at: "ha"},
		[]string{`orchestrate = "ha"`, "double quotes"}},
	{diagCase{name: "unquoted word in a list attribute", src: "service \"s\" {\n  nodes = n1\n}\n", summary: "Unquoted string", at: "n1"},
		[]string{`nodes = ["n1"]`}},
	{diagCase{name: "unquoted no where a string is expected", src: "service \"s\" {\n  orchestrate = no\n}\n", summary: "Unquoted string", at: "no"},
		[]string{`orchestrate = "no"`}},
	{diagCase{name: "True", src: "service \"s\" {\n  app \"web\" {\n    type = \"ltapp\"\n    start = \"x\"\n    monitor = True\n  }\n}\n", summary: "Invalid boolean", at: "True"},
		[]string{"monitor = true", "lowercase"}},
	{diagCase{name: "no", src: "service \"s\" {\n  app \"web\" {\n    type = \"ltapp\"\n    start = \"x\"\n    disable = no\n  }\n}\n", summary: "Invalid boolean", at: "no"},
		[]string{"disable = false"}},
	{diagCase{name: "quoted yes", src: "service \"s\" {\n  app \"web\" {\n    type = \"ltapp\"\n    start = \"x\"\n    monitor = \"yes\"\n  }\n}\n", summary: "Incorrect attribute value type", at: `"yes"`},
		[]string{"true", "unquoted"}},
	{diagCase{name: "OpenSVC reference in a string", src: "service \"s\" {\n  fs \"app\" {\n    type = \"ltfs\"\n    mnt = \"/x\"\n  }\n  app \"web\" {\n    type = \"ltapp\"\n    start = \"{fs#app.mnt}/weblauncher start\"\n  }\n}\n",
		summary: "OpenSVC reference in a string", at: "{fs#app.mnt}", warning: true},
		[]string{"fs.app.mnt", "${fs.app.mnt}", "literal"}},
	{diagCase{name: "OpenSVC reference as the whole value", src: "service \"s\" {\n  fs \"app\" {\n    type = \"ltfs\"\n    mnt = \"/x\"\n    dev = \"{disk#1.exposed_devs[0]}\"\n  }\n}\n",
		summary: "OpenSVC reference in a string", at: "{disk#1", warning: true},
		[]string{"disk.1.exposed_devs[0] as the whole value"}},
	{diagCase{name: "OpenSVC name reference", src: "service \"s\" {\n  fs \"app\" {\n    type = \"ltfs\"\n    mnt = \"/srv/{name}\"\n  }\n}\n",
		summary: "OpenSVC reference in a string", at: "{name}", warning: true},
		[]string{"${service.name}"}},
	{diagCase{name: "always_on", src: "service \"s\" {\n  app \"web\" {\n    type = \"ltapp\"\n    start = \"x\"\n    always_on = [\"nodes\"]\n  }\n}\n", summary: "Unsupported argument", at: "always_on"},
		[]string{"standby = true", `on "@drpnodes" { standby = true }`}},
	{diagCase{name: "container command that does not split", src: "service \"s\" {\n  container \"c\" {\n    type = \"docker\"\n    image = \"busybox\"\n    command = \"sh -c 'open\"\n  }\n}\n", summary: "Invalid command line", at: `"sh -c`},
		[]string{"unterminated single quote", "list"}},
}

func TestTeachingDiagnostics(t *testing.T) {
	for _, c := range teachCases {
		t.Run(c.name, func(t *testing.T) {
			cfg, diags := allDiags(t, c.src, c.node)
			d := findDiag(diags, c.summary)
			if d == nil {
				t.Fatalf("no diagnostic %q among:\n%s", c.summary, render(cfg, diags))
			}
			if want := map[bool]hcl.DiagnosticSeverity{false: hcl.DiagError, true: hcl.DiagWarning}[c.warning]; d.Severity != want {
				t.Errorf("severity %v, want %v", d.Severity, want)
			}
			for _, w := range c.words {
				if !strings.Contains(d.Detail, w) {
					t.Errorf("detail %q does not name %q", d.Detail, w)
				}
			}
			line, col := posOfText(t, c.src, c.at)
			if d.Subject == nil || d.Subject.Start.Line != line || d.Subject.Start.Column != col {
				t.Errorf("subject %v, want line %d column %d", d.Subject, line, col)
			}
			if out := render(cfg, hcl.Diagnostics{d}); !strings.Contains(out, "on test.hcl line") {
				t.Errorf("no snippet in rendering:\n%s", out)
			}
		})
	}
}

// A seed's INI pasted into a .hcl file: the first error, and the only
// one, names the converter.
func TestPastedINIFirstErrorNamesTheConverter(t *testing.T) {
	_, diags := loadSrc(t, seedINI)
	if len(diags) != 1 || !strings.Contains(diags[0].Detail, "om import") {
		t.Fatalf("want one error naming om import, got %d: %v", len(diags), diags)
	}
	// an HCL list on a line of its own is not taken for INI
	_, diags = loadSrc(t, "service \"s\" {\n  nodes =\n[n1]\n}\n")
	if findDiag(diags, "OpenSVC INI") != nil {
		t.Errorf("a broken HCL file taken for INI: %v", diags)
	}
}

// The parser skips the rest of a block after a quoted argument name: the
// attributes written below are not reported missing.
func TestNoFalseRequiredAfterSyntaxError(t *testing.T) {
	for _, src := range []string{
		"service \"s\" {\n  ip \"0\" {\n    \"ipname@node1\" = \"a.example\"\n    ipdev = \"eth0\"\n  }\n}\n",
		"service \"s\" {\n  ip \"0\" {\n    ipname@node1 = \"a.example\"\n    ipdev = \"eth0\"\n  }\n}\n",
	} {
		_, diags := loadSrc(t, src)
		if d := findDiag(diags, "Missing required argument"); d != nil {
			t.Errorf("false %q: %s", d.Summary, d.Detail)
		}
		if findDiag(diags, "OpenSVC scoped key") == nil {
			t.Errorf("no scoped key error: %v", diags)
		}
	}
	// a block without syntax error still reports what it misses
	_, diags := loadSrc(t, "service \"s\" {\n  ip \"0\" {\n    ipdev = \"eth0\"\n  }\n  fs \"x\" {\n    \"mnt@n1\" = \"/x\"\n  }\n}\n")
	if d := findDiag(diags, "Missing required argument"); d == nil || !strings.Contains(d.Detail, `"ipname"`) {
		t.Errorf("ip#0 misses ipname, not reported: %v", diags)
	}
}

// Did-you-mean suggests only names of the same kind of block: a bare
// word is never offered a resource kind ("ha" is not "ip"), an unknown
// service attribute only service attributes, a resource's only its type's.
func TestDidYouMeanStaysInTheBlockKind(t *testing.T) {
	for _, c := range []struct{ src, summary, bad string }{
		{"service \"s\" {\n  orchestrate = ha\n}\n", "Unquoted string", `"ip"`},
		{"service \"s\" {\n  ipdev = \"eth0\"\n}\n", "Unsupported argument", "Did you mean"},
		{"service \"s\" {\n  fs \"x\" {\n    type = \"ltfs\"\n    mnt = \"/x\"\n    netmask = \"24\"\n  }\n}\n", "Unsupported argument", "Did you mean"},
		{"service \"s\" {\n  ip \"x\" {\n    type = \"ltip\"\n    ipname = \"a\"\n    ipdev = \"eth0\"\n    mnt = \"/x\"\n  }\n}\n", "Unsupported argument", "Did you mean"},
	} {
		_, diags := allDiags(t, c.src, "")
		d := findDiag(diags, c.summary)
		if d == nil {
			t.Errorf("%q: no %q in %v", c.src, c.summary, diags)
			continue
		}
		if strings.Contains(d.Detail, c.bad) {
			t.Errorf("%q: %q suggests another kind's name: %s", c.src, c.summary, d.Detail)
		}
	}
	// and the suggestion within the kind still comes
	_, diags := allDiags(t, "service \"s\" {\n  orchestrat = \"ha\"\n}\n", "")
	if d := findDiag(diags, "Unsupported argument"); d == nil || !strings.Contains(d.Detail, `Did you mean "orchestrate"?`) {
		t.Errorf("no suggestion of orchestrate: %v", diags)
	}
}

// A container's command is a list or a string split as a shell would;
// the instance (and so the plan) holds the list that will run.
func TestCommandStringIsSplit(t *testing.T) {
	in := mustEval(t, "service \"s\" {\n  container \"c\" {\n    type = \"docker\"\n    image = \"busybox\"\n    command = \"/bin/sh -c 'sleep 100; echo \\\"${node.name}\\\"'\"\n    entrypoint = \"/sbin/tini --\"\n  }\n  container \"d\" {\n    type = \"podman\"\n    image = \"busybox\"\n    command = [\"/bin/sleep\", \"100\"]\n  }\n}\n", "n1", nil)
	for rid, want := range map[string]map[string][]string{
		"container#c": {"command": {"/bin/sh", "-c", `sleep 100; echo "n1"`}, "entrypoint": {"/sbin/tini", "--"}},
		"container#d": {"command": {"/bin/sleep", "100"}},
	} {
		for name, words := range want {
			v := attrOf(t, in, rid, name)
			want := make([]cty.Value, len(words))
			for i, w := range words {
				want[i] = cty.StringVal(w)
			}
			if !v.RawEquals(cty.ListVal(want)) {
				t.Errorf("%s.%s = %#v, want %q", rid, name, v, words)
			}
		}
	}
}
