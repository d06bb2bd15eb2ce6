package check_test

import (
	"strings"
	"testing"

	"github.com/omhcl/omhcl/check"
	"github.com/omhcl/omhcl/lang"
	_ "github.com/omhcl/omhcl/providers/all"
)

// encapCase is a service body whose encapsulation is checked.
type encapCase struct {
	name, body string
	want       string // "" when the service is sound
}

var encapCases = []encapCase{
	{"sound", `
  nodes = ["hv1"]
  encapnodes = ["vm1"]
  container "0" {
    type = "docker"
    image = "busybox"
    hostname = "vm1"
  }
  app "web" {
    start = "/bin/true"
    tags = ["encap"]
  }`, ""},
	{"farmed: one container per node, each its own encap node", `
  nodes = ["hv1", "hv2"]
  encapnodes = ["vm-hv1", "vm-hv2"]
  container "0" {
    type = "docker"
    image = "busybox"
    hostname = "vm-${node.name}"
  }`, ""},
	{"the container's host name is not the encap node", `
  nodes = ["hv1"]
  encapnodes = ["vm1"]
  container "0" {
    type = "docker"
    image = "busybox"
    hostname = "other"
  }`, "encap node vm1 is hosted by no container resource"},
	{"an encap resource without encapnodes", `
  nodes = ["hv1"]
  app "web" {
    start = "/bin/true"
    tags = ["encap"]
  }`, "app#web is tagged encap but the service has no encapnodes"},
	{"an encap node with no container", `
  nodes = ["hv1"]
  encapnodes = ["vm1", "vm2"]
  container "0" {
    type = "docker"
    image = "busybox"
    name = "vm1"
  }`, "encap node vm2 is hosted by no container resource"},
	{"two containers host one encap node", `
  nodes = ["hv1"]
  encapnodes = ["vm1"]
  container "0" {
    type = "docker"
    image = "busybox"
    hostname = "vm1"
  }
  container "1" {
    type = "docker"
    image = "busybox"
    hostname = "vm1"
  }`, "container#0 and container#1 both host encap node vm1 on node hv1"},
	{"a node is an encap node too", `
  nodes = ["hv1"]
  encapnodes = ["hv1"]`, "hv1 is both a node and an encap node"},
	{"a container tagged encap", `
  nodes = ["hv1"]
  encapnodes = ["vm1"]
  container "0" {
    type = "docker"
    image = "busybox"
    hostname = "vm1"
  }
  container "1" {
    type = "docker"
    image = "busybox"
    tags = ["encap"]
  }`, "nested encapsulation) is not supported"},
}

func TestEncapShape(t *testing.T) {
	for _, c := range encapCases {
		t.Run(c.name, func(t *testing.T) {
			cfg, diags := lang.LoadFiles(map[string][]byte{"s.hcl": []byte("service \"s\" {" + c.body + "\n}\n")})
			if diags.HasErrors() {
				t.Fatal(diags.Error())
			}
			got := check.Checker{Config: cfg}.Encap(cfg.Service("s"))
			switch {
			case c.want == "" && len(got) > 0:
				t.Errorf("a sound service: %s", got.Error())
			case c.want != "" && !strings.Contains(got.Error(), c.want):
				t.Errorf("got %q, want %q", got.Error(), c.want)
			case c.want != "" && (got[0].Subject == nil || got[0].Subject.Start.Line == 0):
				t.Errorf("not located: %+v", got[0])
			}
		})
	}
}
