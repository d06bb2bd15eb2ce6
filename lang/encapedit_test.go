package lang

import (
	"strings"
	"testing"
)

// encapBase is the node's configuration of an encapsulated service: its
// container at the node's level, an address and an app inside.
const encapBase = `service "web" {
  nodes          = ["n1", "n2"]
  encapnodes     = ["vm1"]
  app            = "web site"
  monitor_action = "switch"
  on "@encapnodes" {
    nodes = ["vm1"]
  }
  container "vm1" {
    type     = "docker"
    hostname = "vm1"
    image    = "busybox"
    env      = { SITE = service.app }
  }
  ip "web" {
    ipname = "198.18.10.100/24"
    ipdev  = "eth0"
    tags   = ["encap"]
  }
  app "web" {
    type  = "simple"
    start = "/bin/httpd -f -p ${ip.web.ipaddr}:8080"
    tags  = ["encap"]
  }
}
`

// An edit made inside a container may change the level inside only: the
// resources tagged encap and the settings scoped @encapnodes. Anything
// else it changes is listed, with where.
func TestEncapEditStaysInside(t *testing.T) {
	old := mustLoad(t, encapBase)
	edit := func(pairs ...string) string {
		return strings.NewReplacer(pairs...).Replace(encapBase)
	}
	for _, c := range []struct {
		name, src string
		want      []string // substrings of the changes, in order; none: inside only
	}{
		{"the app inside", edit(`-p ${ip.web`, `-v -p ${ip.web`), nil},
		{"a setting scoped inside", edit(`nodes = ["vm1"]`, "nodes = [\"vm1\"]\n    app = \"edited in vm1\""), nil},
		{"a new resource inside", edit("  app \"web\" {", "  app \"cron\" {\n    type = \"simple\"\n    start = \"/bin/crond\"\n    tags = [\"encap\"]\n  }\n  app \"web\" {"), nil},
		{"a resource inside removed, layout and comments", edit("  ip \"web\" {\n    ipname = \"198.18.10.100/24\"\n    ipdev  = \"eth0\"\n    tags   = [\"encap\"]\n  }\n", "",
			`-p ${ip.web.ipaddr}:8080"`, `-p 198.18.10.100:8080"`, `nodes          = ["n1", "n2"]`, "# the nodes\n  nodes = [\n    \"n1\", \"n2\"\n  ]"), nil},
		{"an app at the node's level", edit("  app \"web\" {", "  app \"evil\" {\n    type = \"simple\"\n    start = \"/bin/sh -c id\"\n  }\n  app \"web\" {"),
			[]string{`resource app#evil added without the encap tag: it would run on the node (test.hcl:`}},
		{"nodes", edit(`["n1", "n2"]`, `["n1", "n2", "n3"]`), []string{"setting nodes (test.hcl:2"}},
		{"encapnodes", edit(`encapnodes     = ["vm1"]`, `encapnodes     = ["vm1", "vm2"]`), []string{"setting encapnodes (test.hcl:3"}},
		{"monitor_action", edit(`"switch"`, `"crash"`), []string{"setting monitor_action"}},
		{"a setting for a node", edit("  on \"@encapnodes\"", "  on \"n1\" {\n    app = \"x\"\n  }\n  on \"@encapnodes\""), []string{`setting app in on "n1"`}},
		{"the container", edit(`image    = "busybox"`, `image    = "evil"`), []string{"resource container#vm1 changed (test.hcl:9"}},
		{"the encap tag dropped", edit("    ipdev  = \"eth0\"\n    tags   = [\"encap\"]", "    ipdev  = \"eth0\""), []string{"resource ip#web no longer certainly tagged encap"}},
		{"the encap tag overridden on a node", edit("start = \"/bin/httpd -f -p ${ip.web.ipaddr}:8080\"\n    tags  = [\"encap\"]", "start = \"/bin/httpd -f -p ${ip.web.ipaddr}:8080\"\n    tags  = [\"encap\"]\n    on \"n1\" {\n      tags = []\n    }"),
			[]string{"resource app#web no longer certainly tagged encap"}},
		{"a second service", encapBase + "service \"evil\" {\n  nodes = [\"n1\"]\n  topology = \"flex\"\n}\n", []string{`service "evil" added (test.hcl:`}},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := EncapEdit(old, mustLoad(t, c.src), "web")
			if len(got) != len(c.want) {
				t.Fatalf("changes at the node's level: %q, want %d like %q", got, len(c.want), c.want)
			}
			for i, w := range c.want {
				if !strings.Contains(got[i], w) {
					t.Errorf("change %d: %q, want %q in it", i, got[i], w)
				}
			}
		})
	}
}

// A node's resource that reads an encap resource changes with it: the
// edit inside reaches the node's level through the reference.
func TestEncapEditFollowsReferences(t *testing.T) {
	base := strings.Replace(encapBase, "env      = { SITE = service.app }", "env      = { ADDR = ip.web.ipname }", 1)
	next := strings.Replace(base, `"198.18.10.100/24"`, `"198.18.10.200/24"`, 1)
	got := EncapEdit(mustLoad(t, base), mustLoad(t, next), "web")
	if len(got) != 1 || got[0] != "resource container#vm1 reads ip#web, which changed" {
		t.Fatalf("changes at the node's level: %q", got)
	}
}
