package lang

import (
	"sync"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

// Once its services are decoded, a file's syntax tree is needed only for
// the context line of a diagnostic ("in service "svc1""): the services
// keep the expressions they evaluate, nothing else of the tree. Holding
// every file's tree costs about 17 KB per service of 10 resources (the
// bodies, blocks and attributes around the expressions), so Config.Files
// keeps the source and parses it again the first time a diagnostic asks.

// reparsed is a file's syntax tree, parsed again from its source on first
// use.
type reparsed struct {
	name string
	src  []byte
	once sync.Once
	file *hcl.File
}

func (r *reparsed) get() *hcl.File {
	r.once.Do(func() {
		r.file, _ = hclsyntax.ParseConfig(r.src, r.name, hcl.InitialPos)
		if r.file == nil || r.file.Body == nil {
			r.file = &hcl.File{Body: &hclsyntax.Body{}, Bytes: r.src}
		}
	})
	return r.file
}

// lightFile is f without its syntax tree: the same source, a body and a
// navigation that parse it again when used.
func lightFile(name string, f *hcl.File) *hcl.File {
	r := &reparsed{name: name, src: f.Bytes}
	return &hcl.File{Body: lazyBody{r}, Bytes: f.Bytes, Nav: lazyNav{r}}
}

// lazyNav answers what hclsyntax's navigation answers (hcled.ContextString,
// hcled.ContextDefRange, the text diagnostics' context line).
type lazyNav struct{ r *reparsed }

type contextNav interface {
	ContextString(offset int) string
	ContextDefRange(offset int) hcl.Range
}

func (n lazyNav) ContextString(offset int) string {
	if nav, ok := n.r.get().Nav.(contextNav); ok {
		return nav.ContextString(offset)
	}
	return ""
}

func (n lazyNav) ContextDefRange(offset int) hcl.Range {
	if nav, ok := n.r.get().Nav.(contextNav); ok {
		return nav.ContextDefRange(offset)
	}
	return hcl.Range{}
}

// lazyBody is the file's top-level body.
type lazyBody struct{ r *reparsed }

func (b lazyBody) Content(schema *hcl.BodySchema) (*hcl.BodyContent, hcl.Diagnostics) {
	return b.r.get().Body.Content(schema)
}

func (b lazyBody) PartialContent(schema *hcl.BodySchema) (*hcl.BodyContent, hcl.Body, hcl.Diagnostics) {
	return b.r.get().Body.PartialContent(schema)
}

func (b lazyBody) JustAttributes() (hcl.Attributes, hcl.Diagnostics) {
	return b.r.get().Body.JustAttributes()
}

func (b lazyBody) MissingItemRange() hcl.Range { return b.r.get().Body.MissingItemRange() }
