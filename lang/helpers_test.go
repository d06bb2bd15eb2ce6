package lang

import (
	"bytes"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/omhcl/omhcl/providers"
	"github.com/zclconf/go-cty/cty"
)

// loadSrc loads one in-memory file named test.hcl.
func loadSrc(t *testing.T, src string) (*Config, hcl.Diagnostics) {
	t.Helper()
	return LoadFiles(map[string][]byte{"test.hcl": []byte(src)})
}

// mustLoad loads src and fails the test on any error.
func mustLoad(t *testing.T, src string) *Config {
	t.Helper()
	cfg, diags := loadSrc(t, src)
	if diags.HasErrors() {
		t.Fatalf("load: %s", render(cfg, diags))
	}
	return cfg
}

// mustEval evaluates the only service of src for node, failing on errors.
func mustEval(t *testing.T, src, node string, exposer Exposer) *Instance {
	t.Helper()
	cfg := mustLoad(t, src)
	if len(cfg.Services) != 1 {
		t.Fatalf("want 1 service, got %d", len(cfg.Services))
	}
	in, diags := cfg.Services[0].Evaluate(node, exposer)
	if diags.HasErrors() {
		t.Fatalf("evaluate on %q: %s", node, render(cfg, diags))
	}
	return in
}

// render prints diagnostics with snippets, for failure messages.
func render(cfg *Config, diags hcl.Diagnostics) string {
	var buf bytes.Buffer
	var files map[string]*hcl.File
	if cfg != nil {
		files = cfg.Files
	}
	_ = WriteDiagnostics(&buf, files, diags, false)
	return buf.String()
}

// allDiags loads src and evaluates every service for node, returning
// everything reported.
func allDiags(t *testing.T, src, node string) (*Config, hcl.Diagnostics) {
	t.Helper()
	cfg, diags := loadSrc(t, src)
	if diags.HasErrors() {
		return cfg, diags
	}
	for _, s := range cfg.Services {
		_, d := s.Evaluate(node, nil)
		diags = append(diags, d...)
	}
	return cfg, diags
}

// findDiag returns the first diagnostic whose summary contains summary.
func findDiag(diags hcl.Diagnostics, summary string) *hcl.Diagnostic {
	for _, d := range diags {
		if strings.Contains(d.Summary, summary) {
			return d
		}
	}
	return nil
}

func attrOf(t *testing.T, in *Instance, rid, name string) cty.Value {
	t.Helper()
	r := in.Resource(rid)
	if r == nil {
		t.Fatalf("no resource %s in %v", rid, rids(in))
	}
	v, ok := r.Attrs[name]
	if !ok {
		t.Fatalf("%s has no attribute %q", rid, name)
	}
	return v
}

func strAttr(t *testing.T, in *Instance, rid, name string) string {
	t.Helper()
	v := attrOf(t, in, rid, name)
	if !v.IsKnown() || v.IsNull() || v.Type() != cty.String {
		t.Fatalf("%s.%s is %#v, not a known string", rid, name, v)
	}
	return v.AsString()
}

func rids(in *Instance) []string {
	out := make([]string, len(in.Resources))
	for i, r := range in.Resources {
		out[i] = r.RID()
	}
	return out
}

// staticExposer exposes fixed values per rid.
func staticExposer(vals map[string]map[string]cty.Value) Exposer {
	return func(r *providers.Resource) map[string]cty.Value { return vals[r.RID()] }
}
