package lang

import (
	"bytes"
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
		loadEvaluate(t, src)
	})
}

// exprService places an expression where a service's expressions go: a
// setting, a scoped setting, resource attributes of each type, an
// interpolation, with references to resources, the node and the service
// in reach.
const exprService = `service "fuzz" {
  nodes = ["n1", "n2"]
  app   = EXPR
  on "n2" {
    app = EXPR
  }
  disk "d" {
    type = "loop"
    file = "/tmp/fuzz-${EXPR}"
    size = EXPR
  }
  fs "a" {
    type = "ext4"
    dev  = EXPR
    mnt  = "/srv/${service.name}/${node.name}"
  }
  app "w" {
    start       = EXPR
    environment = EXPR
    restart     = EXPR
    depends_on  = [fs.a]
  }
}
`

// FuzzExpression parses and evaluates single expressions in a service's
// attributes, so the fuzzer spends its effort on expressions rather than on
// the shape of files.
func FuzzExpression(f *testing.F) {
	for _, e := range []string{
		"\"x\"", "1 + 2 * 3", "!true", "-1", "[1, [2, [3]]]", "{ a = { b = 1 } }",
		"\"${service.name}-${node.name}\"", "\"%{ if true }a%{ else }b%{ endif }\"",
		"\"%{ for n in service.nodes }${n},%{ endfor }\"", "<<EOT\n${upper(\"x\")}\nEOT\n",
		"fs.a.mnt", "disk.d.exposed_devs[0]", "service.nodes[*]", "[for n in service.nodes : n if n != \"\"]",
		"{ for k, v in { a = 1 } : k => v }", "true ? 1 : false ? 2 : 3", "length(service.nodes) > 1 && true",
		"jsondecode(\"[[1]]\")", "format(\"%05d\", 3)", "replace(\"aa\", \"a\", \"[[\")",
		"(((1)))", "fs.a.mnt[0]", "x.y.z", "merge({ A = \"1\" }, { B = \"2\" })",
	} {
		f.Add([]byte(e))
	}
	f.Fuzz(func(t *testing.T, expr []byte) {
		defer watchdog(expr)()
		loadEvaluate(t, bytes.ReplaceAll([]byte(exprService), []byte("EXPR"), expr))
	})
}

// loadEvaluate loads src, renders its diagnostics and evaluates each of
// its services on a few nodes, failing on what no input may cause.
func loadEvaluate(t *testing.T, src []byte) {
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
}
