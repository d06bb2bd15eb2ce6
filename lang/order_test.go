package lang

import (
	"reflect"
	"strings"
	"testing"
)

func TestOrderKindThenDeclaration(t *testing.T) {
	src := `
service "s" {
  app "w" {
    type  = "ltapp"
    start = "w"
  }
  fs "b" {
    type = "ltfs"
    mnt  = "/b"
  }
  fs "a" {
    type = "ltfs"
    mnt  = "/a"
  }
  ip "x" {
    type   = "ltip"
    ipname = "x.example"
    ipdev  = "eth0"
  }
}
`
	in := mustEval(t, src, "n1", nil)
	if got, want := rids(in), []string{"ip#x", "fs#b", "fs#a", "app#w"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("order %v, want %v", got, want)
	}
	if got, want := in.DependsOn["app#w"], []string{"ip#x", "fs#b", "fs#a"}; !reflect.DeepEqual(got, want) {
		t.Errorf("app#w deps %v, want %v", got, want)
	}
	if got := in.DependsOn["fs#a"]; !reflect.DeepEqual(got, []string{"ip#x"}) {
		t.Errorf("fs#a deps %v: same-kind resources must not depend on each other", got)
	}
}

// A reference within a kind orders against declaration order.
func TestOrderReferenceWithinKind(t *testing.T) {
	src := `
service "s" {
  disk "lv" {
    type = "ltlv"
    name = "lv"
    vg   = disk.vg.name
  }
  disk "vg" {
    type = "ltvg"
    name = "vg"
  }
}
`
	in := mustEval(t, src, "n1", nil)
	if got, want := rids(in), []string{"disk#vg", "disk#lv"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("order %v, want %v", got, want)
	}
	if got := in.DependsOn["disk#lv"]; !reflect.DeepEqual(got, []string{"disk#vg"}) {
		t.Errorf("disk#lv deps %v", got)
	}
	if strAttr(t, in, "disk#lv", "vg") != "vg" {
		t.Errorf("vg not resolved")
	}
}

// An ip referring to a container starts after it: the explicit edge wins
// over the kind order, and the kind-order edges contradicting it go.
func TestOrderEarlierKindRefersToLaterKind(t *testing.T) {
	src := `
service "s" {
  ip "x" {
    type   = "ltip"
    ipname = "x.example"
    ipdev  = container.c.name
  }
  ip "y" {
    type   = "ltip"
    ipname = "y.example"
    ipdev  = "eth0"
  }
  disk "d" {
    type = "ltvg"
    name = "d"
  }
  container "c" {
    type = "kvm"
    name = "c1"
  }
  app "a" {
    type  = "ltapp"
    start = "a"
  }
}
`
	in := mustEval(t, src, "n1", nil)
	if got, want := rids(in), []string{"ip#y", "disk#d", "container#c", "ip#x", "app#a"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("order %v, want %v", got, want)
	}
	if got := strAttr(t, in, "ip#x", "ipdev"); got != "c1" {
		t.Errorf("ipdev %q", got)
	}
	deps := in.DependsOn
	if got, want := deps["container#c"], []string{"ip#y", "disk#d"}; !reflect.DeepEqual(got, want) {
		t.Errorf("container#c deps %v, want %v (the edge to ip#x is dropped)", got, want)
	}
	if got, want := deps["ip#x"], []string{"container#c"}; !reflect.DeepEqual(got, want) {
		t.Errorf("ip#x deps %v, want %v", got, want)
	}
	if got, want := deps["disk#d"], []string{"ip#y"}; !reflect.DeepEqual(got, want) {
		t.Errorf("disk#d deps %v, want %v", got, want)
	}
	if got, want := deps["app#a"], []string{"ip#y", "disk#d", "container#c", "ip#x"}; !reflect.DeepEqual(got, want) {
		t.Errorf("app#a deps %v, want %v", got, want)
	}
	// References holds only what a resource names itself.
	if got := in.References["ip#x"]; !reflect.DeepEqual(got, []string{"container#c"}) {
		t.Errorf("ip#x references %v", got)
	}
	if got := in.References["app#a"]; len(got) != 0 {
		t.Errorf("app#a references %v, want none", got)
	}
}

func TestOrderDependsOn(t *testing.T) {
	src := `
service "s" {
  app "second" {
    type  = "ltapp"
    start = "2"
    depends_on = [app.first]
  }
  app "first" {
    type  = "ltapp"
    start = "1"
    on "n2" {
      depends_on = []
    }
  }
}
`
	in := mustEval(t, src, "n1", nil)
	if got, want := rids(in), []string{"app#first", "app#second"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("order %v, want %v", got, want)
	}
	if got := in.Resource("app#second").Common.DependsOn; !reflect.DeepEqual(got, []string{"app#first"}) {
		t.Errorf("Common.DependsOn %v", got)
	}
	if got := in.DependsOn["app#second"]; !reflect.DeepEqual(got, []string{"app#first"}) {
		t.Errorf("DependsOn %v", got)
	}
	if got := in.References["app#second"]; !reflect.DeepEqual(got, []string{"app#first"}) {
		t.Errorf("References %v", got)
	}
}

// A cycle through kind-order-contradicting references is reported, never
// silently ordered.
func TestOrderCycleAcrossKinds(t *testing.T) {
	src := `
service "s" {
  ip "x" {
    type   = "ltip"
    ipname = "x.example"
    ipdev  = app.a.start
  }
  app "a" {
    type  = "ltapp"
    start = "a"
    depends_on = [ip.x]
  }
}
`
	cfg, diags := loadSrc(t, src)
	d := findDiag(diags, "Dependency cycle")
	if d == nil {
		t.Fatalf("no cycle reported: %s", render(cfg, diags))
	}
	if want := "dependency cycle: ip#x -> app#a -> ip#x"; !strings.Contains(d.Detail, want) {
		t.Errorf("detail %q lacks %q", d.Detail, want)
	}
	// Evaluating the broken service still returns the error, never panics.
	_, ediags := cfg.Services[0].Evaluate("n1", nil)
	if findDiag(ediags, "Dependency cycle") == nil {
		t.Errorf("Evaluate forgot the cycle: %s", render(cfg, ediags))
	}
}
