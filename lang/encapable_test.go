package lang

import "testing"

// MayEncapsulate is conservative: whatever could make a service take
// part in encapsulation on some node (encapnodes in any scope, a
// container, tags) says yes; only a service with none of them says no.
func TestMayEncapsulate(t *testing.T) {
	for _, c := range []struct {
		name, body string
		want       bool
	}{
		{"plain", `nodes = ["n1"]
  app "a" {
    start = "/bin/true"
  }`, false},
		{"encapnodes", `encapnodes = ["vm1"]`, true},
		{"encapnodes on one node only", `nodes = ["n1", "n2"]
  on "n2" {
    encapnodes = ["vm1"]
  }`, true},
		{"a container", `container "0" {
    type = "docker"
    image = "busybox"
  }`, true},
		{"tags", `app "a" {
    start = "/bin/true"
    tags = ["encap"]
  }`, true},
	} {
		cfg, diags := LoadFiles(map[string][]byte{"s.hcl": []byte("service \"s\" {\n  " + c.body + "\n}\n")})
		if diags.HasErrors() {
			t.Fatalf("%s: %s", c.name, diags.Error())
		}
		if got := cfg.Service("s").MayEncapsulate(); got != c.want {
			t.Errorf("%s: MayEncapsulate = %v, want %v", c.name, got, c.want)
		}
	}
}
