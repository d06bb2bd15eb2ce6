package main

import (
	"bytes"
	"path/filepath"
	"testing"

	"github.com/omhcl/omhcl/cmd/internal/cli"
	"github.com/omhcl/omhcl/lang"
)

// TestCreateWritesAnID creates two services and loads them back: each has
// its own valid UUID, as the seed's DEFAULT id.
func TestCreateWritesAnID(t *testing.T) {
	dir := t.TempDir()
	ids := map[string]bool{}
	for _, svc := range []string{"svc1", "svc2"} {
		var out bytes.Buffer
		root := newRoot(&cli.Env{Out: &out, Err: &out})
		root.SetArgs([]string{"create", svc, "--config", dir, "--node", "demo1"})
		if err := root.Execute(); err != nil {
			t.Fatalf("create %s: %v %s", svc, err, out.String())
		}
		cfg, diags := lang.Load(filepath.Join(dir, svc+".hcl"))
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
