package lang

import (
	"reflect"
	"testing"
)

const scopedIP = `
service "s" {
  nodes      = ["n1", "n2", "n3"]
  drpnodes   = ["d1"]
  encapnodes = ["vm1"]
  on "@encapnodes" {
    nodes = ["vm1"]
  }
  on "n3" {
    app = "special"
  }
  ip "a" {
    type   = "ltip"
    ipdev  = "eth0"
    ipname = "plain.example"
    on "@nodes" {
      ipname = "nodes.example"
    }
    on "@drpnodes" {
      ipname = "drp.example"
    }
    on "n2" {
      ipname = "n2.example"
      ipdev  = "eth2"
    }
  }
}
`

func TestScopePrecedence(t *testing.T) {
	cases := []struct{ node, ipname, ipdev string }{
		{"n1", "nodes.example", "eth0"},    // node set beats plain
		{"n2", "n2.example", "eth2"},       // node name beats node set
		{"d1", "drp.example", "eth0"},      // drpnodes set
		{"vm1", "nodes.example", "eth0"},   // nodes@encapnodes makes vm1 a node
		{"other", "plain.example", "eth0"}, // in no set
	}
	for _, c := range cases {
		in := mustEval(t, scopedIP, c.node, nil)
		if got := strAttr(t, in, "ip#a", "ipname"); got != c.ipname {
			t.Errorf("%s: ipname %q, want %q", c.node, got, c.ipname)
		}
		if got := strAttr(t, in, "ip#a", "ipdev"); got != c.ipdev {
			t.Errorf("%s: ipdev %q, want %q", c.node, got, c.ipdev)
		}
	}
}

func TestScopeSettings(t *testing.T) {
	for node, want := range map[string][]string{"n1": {"n1", "n2", "n3"}, "vm1": {"vm1"}, "": {"n1", "n2", "n3"}} {
		in := mustEval(t, scopedIP, node, nil)
		if !reflect.DeepEqual(in.Settings.Nodes, want) {
			t.Errorf("%q: nodes %v, want %v", node, in.Settings.Nodes, want)
		}
	}
	if in := mustEval(t, scopedIP, "n3", nil); in.Settings.App != "special" {
		t.Errorf("n3 app %q", in.Settings.App)
	}
	if in := mustEval(t, scopedIP, "n1", nil); in.Settings.App != "" {
		t.Errorf("n1 app %q", in.Settings.App)
	}
}

// A node in several sets gets the most specific set's value: encapnodes,
// then drpnodes, then nodes.
func TestScopeSetPrecedence(t *testing.T) {
	src := `
service "s" {
  nodes      = ["x"]
  drpnodes   = ["x", "y"]
  encapnodes = ["y"]
  app = "plain"
  on "@nodes" { app = "nodes" }
  on "@drpnodes" { app = "drp" }
  on "@encapnodes" { app = "encap" }
}
`
	for node, want := range map[string]string{"x": "drp", "y": "encap", "z": "plain"} {
		if got := mustEval(t, src, node, nil).Settings.App; got != want {
			t.Errorf("%s: app %q, want %q", node, got, want)
		}
	}
}

// A required attribute set only in on blocks is fine for the nodes they
// cover, and the evaluation without node ("") reports nothing.
func TestScopeOnlyRequired(t *testing.T) {
	src := `
service "s" {
  nodes = ["node1", "node2", "node3"]
  ip "0" {
    type  = "ltip"
    ipdev = "eth0"
    on "node1" { ipname = "ipname1" }
    on "node2" { ipname = "ipname2" }
    on "node3" { ipname = "ipname3" }
  }
}
`
	for i, n := range []string{"node1", "node2", "node3"} {
		in := mustEval(t, src, n, nil)
		if got, want := strAttr(t, in, "ip#0", "ipname"), "ipname"+string(rune('1'+i)); got != want {
			t.Errorf("%s: ipname %q, want %q", n, got, want)
		}
	}
	in := mustEval(t, src, "", nil)
	if v := attrOf(t, in, "ip#0", "ipname"); !v.IsNull() {
		t.Errorf("no-node ipname %#v, want null", v)
	}
}
