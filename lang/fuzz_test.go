package lang

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"testing"
	"time"

	"github.com/omhcl/omhcl/providers"
	"github.com/zclconf/go-cty/cty"
)

// sampleValue returns a known value of type t, as a live system would.
func sampleValue(t cty.Type) cty.Value {
	switch {
	case t == cty.String:
		return cty.StringVal("/dev/fuzz0")
	case t == cty.Number:
		return cty.NumberIntVal(24)
	case t == cty.Bool:
		return cty.True
	case t.IsListType():
		return cty.ListVal([]cty.Value{sampleValue(t.ElementType())})
	case t.IsMapType():
		return cty.MapVal(map[string]cty.Value{"k": sampleValue(t.ElementType())})
	}
	return cty.StringVal("fuzz")
}

// knownExposer exposes a known value for every exposed attribute.
func knownExposer(r *providers.Resource) map[string]cty.Value {
	spec, ok := providers.Lookup(r.Kind, r.Type)
	if !ok {
		return nil
	}
	out := map[string]cty.Value{}
	for _, a := range spec.Exposed {
		out[a.Name] = sampleValue(a.Type)
	}
	return out
}

func addSeeds(f *testing.F, pattern string) int {
	paths, _ := filepath.Glob(pattern)
	for _, p := range paths {
		src, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(src)
	}
	return len(paths)
}

// watchdog crashes the fuzz worker when one input runs for more than 10s,
// so a hang is recorded as a failing input, with every goroutine's stack.
func watchdog(src []byte) (stop func()) {
	done := make(chan struct{})
	go func() {
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			debug.SetTraceback("all")
			panic(fmt.Sprintf("input ran for more than 10s: %q", src))
		}
	}()
	return func() { close(done) }
}

func FuzzLoadEvaluate(f *testing.F) {
	if n := addSeeds(f, "../testfixtures/lang/corpus/*.hcl"); n < 15 {
		f.Fatalf("only %d corpus files", n)
	}
	if n := addSeeds(f, filepath.Join(examplesDir, "*", "*.hcl")); n < 7 {
		f.Fatalf("only %d examples", n)
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		defer watchdog(src)()
		cfg, diags := LoadFiles(map[string][]byte{"fuzz.hcl": src})
		if cfg == nil {
			t.Fatal("nil config")
		}
		if _, err := DiagnosticsJSON(diags, cfg.Files); err != nil {
			t.Fatal(err)
		}
		_ = WriteDiagnostics(io.Discard, cfg.Files, diags, true)
		_ = Format(src)
		nodes := append(cfg.AllNodes(), "", "n1", "vm1")
		if len(nodes) > 6 {
			nodes = nodes[:6]
		}
		for _, s := range cfg.Services {
			for _, node := range nodes {
				for _, exposer := range []Exposer{nil, knownExposer} {
					in, diags := s.Evaluate(node, exposer)
					if in == nil {
						t.Fatal("nil instance")
					}
					if len(in.Resources) != len(s.Blocks) {
						t.Fatalf("%d resources for %d blocks", len(in.Resources), len(s.Blocks))
					}
					for _, d := range diags {
						if d.Summary == "" {
							t.Fatalf("diagnostic without summary: %#v", d)
						}
					}
				}
			}
		}
	})
}
