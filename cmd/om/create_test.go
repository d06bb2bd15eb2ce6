package main

import (
	"path/filepath"
	"testing"

	"github.com/omhcl/omhcl/lang"
)

// TestCreateWritesAnID creates two services as the seed does and loads
// them back: each has its own valid UUID, as the seed's DEFAULT id.
func TestCreateWritesAnID(t *testing.T) {
	n := newNode(t)
	ids := map[string]bool{}
	for _, svc := range []string{"svc1", "svc2"} {
		n.must(svc, "create")
		cfg, diags := lang.Load(filepath.Join(n.config, svc+".hcl"))
		if diags.HasErrors() || len(cfg.Services) != 1 {
			t.Fatalf("the created file does not load: %s", diags.Error())
		}
		in, diags := cfg.Services[0].Evaluate("demo1", nil)
		if diags.HasErrors() {
			t.Fatal(diags.Error())
		}
		id := in.Settings.ID
		if len(id) != 36 || id[14] != '4' || ids[id] {
			t.Errorf("%s id %q: want a new version 4 UUID", svc, id)
		}
		ids[id] = true
	}
}
