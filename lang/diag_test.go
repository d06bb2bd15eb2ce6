package lang

import (
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
)

// posOfText returns the line and column (1-based) of the first occurrence
// of anchor in src: where a diagnostic's subject must start.
func posOfText(t *testing.T, src, anchor string) (int, int) {
	t.Helper()
	i := strings.Index(src, anchor)
	if i < 0 {
		t.Fatalf("anchor %q not in source", anchor)
	}
	line := strings.Count(src[:i], "\n") + 1
	col := i - strings.LastIndex(src[:i], "\n")
	return line, col
}

type diagCase struct {
	name    string
	src     string
	node    string // evaluate for this node too ("" for load only errors)
	summary string // substring of the summary
	detail  string // substring of the detail
	at      string // text where the subject starts
	warning bool
}

var diagCases = []diagCase{
	{name: "unknown top-level block", src: `servce "s" {}`,
		summary: "Unsupported block type", detail: `Did you mean "service"?`, at: `servce`},
	{name: "top-level attribute", src: "nodes = []\n",
		summary: "Unexpected attribute", at: "nodes"},
	{name: "resource outside service", src: `fs "x" { mnt = "/x" }`,
		summary: "Resource outside a service", at: `fs "x"`},
	{name: "unknown block in service", src: "service \"s\" {\n  ipp \"x\" {}\n}\n",
		summary: "Unsupported block type", detail: `Did you mean "ip"?`, at: "ipp"},
	{name: "unknown resource attribute", src: "service \"s\" {\n  ip \"x\" {\n    type = \"ltip\"\n    ipdev = \"eth0\"\n    ipnme = \"a.example\"\n  }\n}\n",
		summary: "Unsupported argument", detail: `Did you mean "ipname"?`, at: "ipnme"},
	{name: "id not a uuid", src: "service \"s\" {\n  id = \"d74cc963-8f18-4c73-9691\"\n}\n",
		summary: `Invalid value for "id"`, detail: `"d74cc963-8f18-4c73-9691" is not a UUID`, at: `"d74cc963-8f18`},
	{name: "id scoped", src: "service \"s\" {\n  on \"n1\" {\n    id = \"d74cc963-8f18-4c73-9691-9a833dba2a22\"\n  }\n}\n",
		summary: "Invalid scope", detail: "same on every node", at: "id ="},
	{name: "unknown service attribute", src: "service \"s\" {\n  node = [\"n1\"]\n}\n",
		summary: "Unsupported argument", detail: `Did you mean "nodes"?`, at: "node ="},
	{name: "wrong type, constant", src: "service \"s\" {\n  fs \"x\" {\n    type = \"ltfs\"\n    mnt = \"/x\"\n    check = \"maybe\"\n  }\n}\n",
		summary: "Incorrect attribute value type", detail: `"check": a bool is required`, at: `"maybe"`},
	{name: "wrong type, evaluated", src: "service \"s\" {\n  app \"x\" {\n    type = \"ltapp\"\n    start = \"x\"\n    retries = service.name\n  }\n}\n",
		node: "n1", summary: "Incorrect attribute value type", detail: `"retries": a number is required`, at: "service.name"},
	{name: "wrong service attribute type", src: "service \"s\" {\n  nodes = \"n1 n2\"\n}\n",
		summary: "Incorrect attribute value type", at: `"n1 n2"`},
	{name: "missing required", src: "service \"s\" {\n  fs \"x\" {\n    type = \"ltfs\"\n  }\n}\n",
		summary: "Missing required argument", detail: `"mnt" is required by fs.ltfs`, at: `fs "x"`},
	{name: "required only for another node", src: "service \"s\" {\n  nodes = [\"n1\", \"n2\"]\n  fs \"x\" {\n    type = \"ltfs\"\n    on \"n1\" {\n      mnt = \"/x\"\n    }\n  }\n}\n",
		node: "n2", summary: "Missing required argument", detail: `node "n2" gets no value`, at: `fs "x"`},
	{name: "duplicate resource", src: "service \"s\" {\n  fs \"x\" {\n    type = \"ltfs\"\n    mnt = \"/x\"\n  }\n  fs \"x\" {\n    type = \"ltfs\"\n    mnt = \"/y\"\n  }\n}\n",
		summary: "Duplicate resource", detail: "already defined at test.hcl:2,3", at: "fs \"x\" {\n    type = \"ltfs\"\n    mnt = \"/y\""},
	{name: "duplicate attribute", src: "service \"s\" {\n  app = \"a\"\n  app = \"b\"\n}\n",
		summary: "Attribute redefined", detail: "test.hcl:2", at: "app = \"b\""},
	{name: "duplicate on block", src: "service \"s\" {\n  on \"n1\" {\n    app = \"a\"\n  }\n  on \"n1\" {\n    app = \"b\"\n  }\n}\n",
		summary: "Duplicate on block", detail: "test.hcl:2,3", at: "on \"n1\" {\n    app = \"b\""},
	{name: "undeclared resource", src: "service \"s\" {\n  disk \"vg\" {\n    type = \"ltvg\"\n    name = \"v\"\n  }\n  disk \"lv\" {\n    type = \"ltlv\"\n    name = \"l\"\n    vg = disk.vgg.name\n  }\n}\n",
		summary: "Reference to undeclared resource", detail: `Did you mean "vg"?`, at: "disk.vgg"},
	{name: "unknown attribute reference", src: "service \"s\" {\n  disk \"vg\" {\n    type = \"ltvg\"\n    name = \"v\"\n  }\n  fs \"x\" {\n    type = \"ltfs\"\n    mnt = \"/x\"\n    dev = disk.vg.exposed_dev[0]\n  }\n}\n",
		summary: "Unsupported attribute", detail: `Did you mean "exposed_devs"?`, at: "disk.vg.exposed_dev"},
	{name: "unknown variable", src: "service \"s\" {\n  fs \"x\" {\n    type = \"ltfs\"\n    mnt = dsk.vg.name\n  }\n}\n",
		summary: "Unknown variable", detail: `Did you mean "disk"?`, at: "dsk.vg"},
	{name: "unknown service attribute reference", src: "service \"s\" {\n  fs \"x\" {\n    type = \"ltfs\"\n    mnt = \"/${service.nam}\"\n  }\n}\n",
		summary: "Unsupported attribute", detail: `Did you mean "name"?`, at: "service.nam"},
	{name: "cycle", src: "service \"s\" {\n  fs \"a\" {\n    type = \"ltfs\"\n    mnt = \"/a\"\n    dev = disk.b.name\n  }\n  disk \"b\" {\n    type = \"ltvg\"\n    name = fs.a.mnt\n  }\n}\n",
		summary: "Dependency cycle", detail: "dependency cycle: fs#a -> disk#b -> fs#a", at: `fs "a"`},
	{name: "self reference", src: "service \"s\" {\n  fs \"a\" {\n    type = \"ltfs\"\n    mnt = \"/a\"\n    dev = fs.a.mnt\n  }\n}\n",
		summary: "Dependency cycle", detail: "dependency cycle: fs#a -> fs#a", at: `fs "a"`},
	{name: "unknown type", src: "service \"s\" {\n  fs \"a\" {\n    type = \"ltfss\"\n    mnt = \"/a\"\n  }\n}\n",
		summary: "Unknown resource type", detail: `Did you mean "ltfs"?`, at: `"ltfss"`},
	{name: "sync src is a list", src: "service \"s\" {\n  sync \"a\" {\n    type = \"btrfs\"\n    src = \"/a\"\n  }\n}\n",
		summary: "Incorrect attribute value type", detail: "list of string required", at: `"/a"`},
	{name: "unsupported type warns", src: "service \"s\" {\n  container \"c\" {\n    type = \"xen\"\n    image = \"nginx\"\n  }\n}\n",
		summary: "No driver for container.xen", detail: "is not supported: Xen guests are run by Xen's own toolstack", at: `"xen"`, warning: true},
	{name: "type not literal", src: "service \"s\" {\n  fs \"a\" {\n    type = service.name\n    mnt = \"/a\"\n  }\n}\n",
		summary: "Invalid resource type", detail: "literal string", at: "service.name"},
	{name: "type scoped", src: "service \"s\" {\n  fs \"a\" {\n    type = \"ltfs\"\n    mnt = \"/a\"\n    on \"n1\" {\n      type = \"ltfs\"\n    }\n  }\n}\n",
		summary: "Type cannot be scoped", at: "type = \"ltfs\"\n    }"},
	{name: "netmask prefix too long", src: "service \"s\" {\n  ip \"a\" {\n    type = \"ltip\"\n    ipname = \"198.18.0.1\"\n    ipdev = \"eth0\"\n    netmask = \"33\"\n  }\n}\n",
		summary: `Invalid value for "netmask"`, detail: "Invalid netmask \"33\"", at: `"33"`},
	{name: "netmask not contiguous", src: "service \"s\" {\n  ip \"a\" {\n    type = \"ltip\"\n    ipname = \"198.18.0.1\"\n    ipdev = \"eth0\"\n    netmask = \"255.0.255.0\"\n  }\n}\n",
		summary: `Invalid value for "netmask"`, detail: "contiguous", at: `"255.0.255.0"`},
	{name: "netmask garbage", src: "service \"s\" {\n  ip \"a\" {\n    type = \"ltip\"\n    ipname = \"a.example\"\n    ipdev = \"eth0\"\n    netmask = \"wide\"\n  }\n}\n",
		summary: `Invalid value for "netmask"`, detail: "Invalid netmask", at: `"wide"`},
	{name: "netmask checked against evaluated ipname", src: "service \"s\" {\n  ip \"a\" {\n    type = \"ltip\"\n    ipname = \"198.18.0.${length(service.name)}\"\n    ipdev = \"eth0\"\n    netmask = \"64\"\n  }\n}\n",
		node: "n1", summary: `Invalid value for "netmask"`, detail: "between 0 and 32", at: `"64"`},
	{name: "bad address", src: "service \"s\" {\n  ip \"a\" {\n    type = \"ltip\"\n    ipname = \"198.18.0.300\"\n    ipdev = \"eth0\"\n  }\n}\n",
		summary: `Invalid value for "ipname"`, detail: `Invalid ip address "198.18.0.300"`, at: `"198.18.0.300"`},
	{name: "bad gateway", src: "service \"s\" {\n  ip \"a\" {\n    type = \"ltip\"\n    ipname = \"a.example\"\n    ipdev = \"eth0\"\n    gateway = \"gw\"\n  }\n}\n",
		summary: `Invalid value for "gateway"`, at: `"gw"`},
	{name: "bad duration", src: "service \"s\" {\n  ip \"a\" {\n    type = \"ltip\"\n    ipname = \"a.example\"\n    ipdev = \"eth0\"\n    probe_wait = \"5 seconds\"\n  }\n}\n",
		summary: `Invalid value for "probe_wait"`, detail: "Invalid duration", at: `"5 seconds"`},
	{name: "bad evaluated duration", src: "service \"s\" {\n  app \"a\" {\n    type = \"ltapp\"\n    start = \"x\"\n    restart_delay = \"${service.name}s\"\n  }\n}\n",
		node: "n1", summary: `Invalid value for "restart_delay"`, detail: "Invalid duration", at: `"${service.name}s"`},
	{name: "negative restart", src: "service \"s\" {\n  app \"a\" {\n    type = \"ltapp\"\n    start = \"x\"\n    restart = -1\n  }\n}\n",
		summary: `Invalid value for "restart"`, detail: ">= 0", at: "-1"},
	{name: "enumeration", src: "service \"s\" {\n  orchestrate = \"auto\"\n}\n",
		summary: `Invalid value for "orchestrate"`, detail: `"auto" is not one of "ha", "no", "start"`, at: `"auto"`},
	{name: "placement enumeration", src: "service \"s\" {\n  placement = \"random\"\n}\n",
		summary: `Invalid value for "placement"`, at: `"random"`},
	{name: "invalid service name", src: "service \"bad name\" {\n}\n",
		summary: "Invalid service name", at: `"bad name"`},
	{name: "invalid resource name", src: "service \"s\" {\n  fs \"a/b\" {\n    type = \"ltfs\"\n    mnt = \"/a\"\n  }\n}\n",
		summary: "Invalid resource name", at: `"a/b"`},
	{name: "invalid node name in list", src: "service \"s\" {\n  nodes = [\"n1\", \"bad node\"]\n}\n",
		summary: `Invalid value for "nodes"`, detail: `"bad node"`, at: `["n1"`},
	{name: "unknown node set", src: "service \"s\" {\n  on \"@node\" {\n    app = \"a\"\n  }\n}\n",
		summary: "Unknown node set", detail: `Did you mean "@nodes"?`, at: `"@node"`},
	{name: "encapnodes scoped by set", src: "service \"s\" {\n  on \"@nodes\" {\n    encapnodes = [\"vm1\"]\n  }\n}\n",
		summary: "Invalid scope", detail: "only be scoped by node name", at: "encapnodes ="},
	{name: "nodes scoped by nodes", src: "service \"s\" {\n  on \"@nodes\" {\n    nodes = [\"vm1\"]\n  }\n}\n",
		summary: "Invalid scope", detail: `node name and "@encapnodes"`, at: "nodes ="},
	{name: "block in on block", src: "service \"s\" {\n  on \"n1\" {\n    fs \"x\" {}\n  }\n}\n",
		summary: "Unexpected block in on block", at: `fs "x"`},
	{name: "block in resource", src: "service \"s\" {\n  fs \"a\" {\n    type = \"ltfs\"\n    mnt = \"/a\"\n    disk \"b\" {}\n  }\n}\n",
		summary: "Unexpected block in resource", at: `disk "b"`},
	{name: "depends_on strings", src: "service \"s\" {\n  fs \"a\" {\n    type = \"ltfs\"\n    mnt = \"/a\"\n  }\n  app \"b\" {\n    type = \"ltapp\"\n    start = \"x\"\n    depends_on = [\"fs#a\"]\n  }\n}\n",
		summary: "Invalid depends_on", at: `"fs#a"`},
	{name: "depends_on attribute", src: "service \"s\" {\n  fs \"a\" {\n    type = \"ltfs\"\n    mnt = \"/a\"\n  }\n  app \"b\" {\n    type = \"ltapp\"\n    start = \"x\"\n    depends_on = [fs.a.mnt]\n  }\n}\n",
		summary: "Invalid depends_on", at: "fs.a.mnt"},
	{name: "depends_on undeclared", src: "service \"s\" {\n  app \"b\" {\n    type = \"ltapp\"\n    start = \"x\"\n    depends_on = [fs.app]\n  }\n}\n",
		summary: "Reference to undeclared resource", at: "fs.app"},
	{name: "settings refer to resources", src: "service \"s\" {\n  app = fs.a.mnt\n  fs \"a\" {\n    type = \"ltfs\"\n    mnt = \"/a\"\n  }\n}\n",
		summary: "Invalid reference in service settings", at: "fs.a.mnt"},
	{name: "settings refer to service nodes", src: "service \"s\" {\n  app = join(\",\", service.nodes)\n}\n",
		summary: "Unsupported attribute", detail: `service settings has no attribute "nodes"`, at: "service.nodes"},
	{name: "unknown function", src: "service \"s\" {\n  app = uper(\"a\")\n}\n",
		summary: "Call to unknown function", detail: `Did you mean "upper"?`, at: "uper"},
	{name: "exposed attribute set", src: "service \"s\" {\n  disk \"vg\" {\n    type = \"ltvg\"\n    name = \"v\"\n    exposed_devs = []\n  }\n}\n",
		summary: "Read-only attribute", at: "exposed_devs ="},
	{name: "common attribute known after apply", src: "service \"s\" {\n  disk \"vg\" {\n    type = \"ltvg\"\n    name = \"v\"\n  }\n  fs \"a\" {\n    type = \"ltfs\"\n    mnt = \"/a\"\n    disable = length(disk.vg.exposed_devs) > 0\n  }\n}\n",
		node: "n1", summary: "Value known only after apply", detail: "its default (false) applies", at: "length(disk.vg", warning: true},
	{name: "flex bounds", src: "service \"s\" {\n  nodes = [\"n1\", \"n2\"]\n  flex_min = 3\n}\n",
		node: "n1", summary: "Invalid flex bounds", detail: "flex_min (3) is greater than flex_max (2)", at: `service "s"`},
	{name: "missing label", src: "service \"s\" {\n  fs {\n    mnt = \"/a\"\n  }\n}\n",
		summary: "Invalid resource block", at: "fs {"},
	{name: "syntax error", src: "service \"s\" {\n  app = \n}\n",
		summary: "Invalid expression", at: "\n}"},
	{name: "single-line block with two attributes", src: "service \"s\" {\n  fs \"a\" { type = \"ltfs\"  mnt = \"/a\" }\n}\n",
		summary: "Invalid single-argument block definition", at: "mnt"},
}

func TestDiagnostics(t *testing.T) {
	for _, c := range diagCases {
		t.Run(c.name, func(t *testing.T) {
			cfg, diags := allDiags(t, c.src, c.node)
			d := findDiag(diags, c.summary)
			if d == nil {
				t.Fatalf("no diagnostic %q among:\n%s", c.summary, render(cfg, diags))
			}
			wantSev := hcl.DiagError
			if c.warning {
				wantSev = hcl.DiagWarning
			}
			if d.Severity != wantSev {
				t.Errorf("severity %v, want %v", d.Severity, wantSev)
			}
			if !strings.Contains(d.Detail, c.detail) {
				t.Errorf("detail %q does not contain %q", d.Detail, c.detail)
			}
			if d.Subject == nil {
				t.Fatalf("no subject range")
			}
			line, col := posOfText(t, c.src, c.at)
			if d.Subject.Filename != "test.hcl" || d.Subject.Start.Line != line || d.Subject.Start.Column != col {
				t.Errorf("subject at %s:%d,%d, want test.hcl:%d,%d", d.Subject.Filename, d.Subject.Start.Line, d.Subject.Start.Column, line, col)
			}
			if out := render(cfg, hcl.Diagnostics{d}); !strings.Contains(out, "on test.hcl line") {
				t.Errorf("no snippet in rendering:\n%s", out)
			}
		})
	}
}

// A diagnostic on a line of 100,000 brackets prints a snippet cut to a
// readable length, saying how much was left out.
func TestLongSnippetLinesAreCut(t *testing.T) {
	src := "service \"d\" {\n  nodes = " + strings.Repeat("[", 100000) + strings.Repeat("]", 100000) + "\n}\n"
	_, diags := LoadFiles(map[string][]byte{"deep.hcl": []byte(src)})
	if !diags.HasErrors() {
		t.Fatal("no error for 100,000 nested brackets")
	}
	var b strings.Builder
	if err := WriteDiagnostics(&b, map[string]*hcl.File{"deep.hcl": {Bytes: []byte(src)}}, diags, false); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, line := range strings.Split(out, "\n") {
		if len(line) > maxSnippetLine+60 {
			t.Fatalf("a line of %d bytes printed:\n%.300s", len(line), line)
		}
	}
	if !strings.Contains(out, "more bytes on this line") || !strings.Contains(out, "line 2") {
		t.Fatalf("no note of the cut, or no location:\n%s", out)
	}
}

// The JSON snippet of such a line is cut too.
func TestLongSnippetLinesAreCutInJSON(t *testing.T) {
	src := "service \"d\" {\n  nodes = " + strings.Repeat("[", 100000) + strings.Repeat("]", 100000) + "\n}\n"
	_, diags := LoadFiles(map[string][]byte{"deep.hcl": []byte(src)})
	b, err := DiagnosticsJSON(diags, map[string]*hcl.File{"deep.hcl": {Bytes: []byte(src)}})
	if err != nil {
		t.Fatal(err)
	}
	if len(b) > 4096 {
		t.Fatalf("%d bytes of JSON for one diagnostic:\n%.400s", len(b), b)
	}
}
