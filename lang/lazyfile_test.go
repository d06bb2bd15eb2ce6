package lang

import (
	"sync"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hcled"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

// Config.Files keeps no syntax tree; what diagnostics ask of a file must
// read as from the parsed one, for every offset, from many goroutines.
func TestLightFileAnswersAsParsed(t *testing.T) {
	src := "service \"s\" {\n  nodes = [\"n1\"]\n  fs \"a\" {\n    type = \"ltfs\"\n    mnt  = \"/a\"\n    on \"n1\" {\n      mnt = \"/b\"\n    }\n  }\n  app \"x\" {\n    type  = \"ltapp\"\n    start = \"${fs.a.mnt}/x\"\n  }\n}\n"
	cfg := mustLoad(t, src)
	light := cfg.Files["test.hcl"]
	if _, ok := light.Body.(*hclsyntax.Body); ok {
		t.Fatal("Config.Files keeps the syntax tree")
	}
	parsed, diags := hclsyntax.ParseConfig([]byte(src), "test.hcl", hcl.InitialPos)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	if string(light.Bytes) != src {
		t.Errorf("Bytes %q", light.Bytes)
	}
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for off := 0; off <= len(src); off++ {
				if got, want := hcled.ContextString(light, off), hcled.ContextString(parsed, off); got != want {
					t.Errorf("ContextString(%d) = %q, want %q", off, got, want)
				}
				if got, want := hcled.ContextDefRange(light, off), hcled.ContextDefRange(parsed, off); got != want {
					t.Errorf("ContextDefRange(%d) = %v, want %v", off, got, want)
				}
			}
		})
	}
	wg.Wait()
	if got, want := light.Body.MissingItemRange(), parsed.Body.MissingItemRange(); got != want {
		t.Errorf("MissingItemRange %v, want %v", got, want)
	}
	attrs, _ := light.Body.JustAttributes()
	if len(attrs) != 0 {
		t.Errorf("JustAttributes %v", attrs)
	}
	content, _, _ := light.Body.PartialContent(&hcl.BodySchema{Blocks: []hcl.BlockHeaderSchema{{Type: "service", LabelNames: []string{"name"}}}})
	if len(content.Blocks) != 1 || content.Blocks[0].Labels[0] != "s" {
		t.Errorf("PartialContent %v", content.Blocks)
	}
}
