package lang

import (
	"fmt"
	"github.com/omhcl/omhcl/internal/parallel"
	"os"
	"path/filepath"
	"sort"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/omhcl/omhcl/providers"
)

// Load reads a configuration from paths: .hcl files, or directories whose
// *.hcl files (sorted, not recursive) are all read. Every file read is one
// configuration: service names are unique across them.
func Load(paths ...string) (*Config, hcl.Diagnostics) {
	if len(paths) == 0 {
		return &Config{Files: map[string]*hcl.File{}}, hcl.Diagnostics{{
			Severity: hcl.DiagError, Summary: "No configuration", Detail: "No configuration file or directory was given.",
		}}
	}
	// The files are listed, then read in parallel, then taken in order.
	type entry struct {
		file string
		err  error // listing the path failed
	}
	var entries []entry
	var files []string
	for _, p := range paths {
		list, err := configFiles(p)
		if err != nil {
			entries = append(entries, entry{err: err})
			continue
		}
		for _, f := range list {
			entries = append(entries, entry{file: f})
			files = append(files, f)
		}
	}
	contents := readFiles(files)
	var names []string
	srcs := map[string][]byte{}
	var diags hcl.Diagnostics
	for _, e := range entries {
		if e.err == nil {
			if _, dup := srcs[e.file]; dup {
				continue
			}
			c := contents[e.file]
			if e.err = c.err; e.err == nil {
				names = append(names, e.file)
				srcs[e.file] = c.src
				continue
			}
		}
		diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Cannot read configuration", Detail: e.err.Error()})
	}
	cfg, d := load(names, srcs)
	return cfg, append(diags, d...)
}

type fileContent struct {
	src []byte
	err error
}

// readFiles reads each distinct file of files, in parallel.
func readFiles(files []string) map[string]fileContent {
	var distinct []string
	seen := make(map[string]bool, len(files))
	for _, f := range files {
		if !seen[f] {
			seen[f] = true
			distinct = append(distinct, f)
		}
	}
	read := make([]fileContent, len(distinct))
	parallel.For(len(distinct), func(i int) {
		read[i].src, read[i].err = os.ReadFile(distinct[i])
	})
	out := make(map[string]fileContent, len(distinct))
	for i, f := range distinct {
		out[f] = read[i]
	}
	return out
}

// configFiles lists the files a path stands for.
func configFiles(p string) ([]string, error) {
	st, err := os.Stat(p)
	if err != nil {
		return nil, err
	}
	if !st.IsDir() {
		return []string{p}, nil
	}
	files, err := filepath.Glob(filepath.Join(p, "*.hcl"))
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("no .hcl files in directory %s", p)
	}
	sort.Strings(files)
	return files, nil
}

// LoadFiles loads a configuration from in-memory sources keyed by file name.
func LoadFiles(files map[string][]byte) (*Config, hcl.Diagnostics) {
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	return load(names, files)
}

func load(names []string, srcs map[string][]byte) (*Config, hcl.Diagnostics) {
	// Files parse and decode on their own; the results are merged in name
	// order, as if read one by one.
	parsed := make([]parsedFile, len(names))
	parallel.For(len(names), func(i int) { parsed[i] = parseFile(names[i], srcs[names[i]]) })
	cfg := &Config{Files: make(map[string]*hcl.File, len(names))}
	var diags hcl.Diagnostics
	seen := map[string]*Service{}
	for i, name := range names {
		pf := parsed[i]
		diags = append(diags, pf.diags...)
		if pf.file == nil {
			continue
		}
		cfg.Files[name] = pf.file
		for _, s := range pf.services {
			if first := seen[s.Name]; first != nil {
				diags = append(diags, duplicate("Duplicate service",
					fmt.Sprintf("A service named %q", s.Name), s.DeclRange, first.DeclRange))
				continue
			}
			seen[s.Name] = s
			cfg.Services = append(cfg.Services, s)
		}
	}
	sort.Slice(cfg.Services, func(i, j int) bool { return cfg.Services[i].Name < cfg.Services[j].Name })
	return cfg, diags
}

// parsedFile is one file parsed and its service blocks decoded.
type parsedFile struct {
	file     *hcl.File
	services []*Service
	diags    hcl.Diagnostics
}

func parseFile(name string, src []byte) parsedFile {
	if d := checkNesting(name, src); d != nil {
		// Parsing it could overflow the stack; the empty file keeps the
		// source for the diagnostic's snippet.
		return parsedFile{file: &hcl.File{Body: &hclsyntax.Body{}, Bytes: src}, diags: hcl.Diagnostics{d}}
	}
	f, d := hclsyntax.ParseConfig(src, name, hcl.InitialPos)
	pf := parsedFile{file: f, diags: capSyntaxErrors(name, d)}
	if f == nil {
		return pf
	}
	body, ok := f.Body.(*hclsyntax.Body)
	if !ok {
		return pf
	}
	services, d := decodeFile(body)
	pf.services, pf.diags = services, append(pf.diags, d...)
	pf.file = lightFile(name, f)
	return pf
}

// maxSyntaxErrors caps the syntax errors reported per file: past the first
// few they are echoes of one mistake, and a binary file yields thousands,
// each printed with its line.
const maxSyntaxErrors = 20

func capSyntaxErrors(name string, diags hcl.Diagnostics) hcl.Diagnostics {
	if len(diags) <= maxSyntaxErrors {
		return diags
	}
	rest := diags[maxSyntaxErrors]
	return append(diags[:maxSyntaxErrors:maxSyntaxErrors], &hcl.Diagnostic{
		Severity: hcl.DiagError,
		Summary:  "Too many syntax errors",
		Detail:   fmt.Sprintf("%s has %d more syntax errors, from here on; fix the ones above first.", name, len(diags)-maxSyntaxErrors),
		Subject:  rest.Subject,
	})
}

// decodeFile reads the service blocks of a file; nothing else is allowed at
// the top level.
func decodeFile(body *hclsyntax.Body) ([]*Service, hcl.Diagnostics) {
	var diags hcl.Diagnostics
	for _, a := range sortedAttributes(body) {
		diags = append(diags, errorf(a.NameRange, "Unexpected attribute",
			"Only service blocks are allowed at the top level; move %q inside a service block.", a.Name))
	}
	var out []*Service
	for _, hb := range body.Blocks {
		switch {
		case hb.Type == "service":
			s, d := decodeService(hb)
			diags = append(diags, d...)
			if s != nil {
				out = append(out, s)
			}
		case providers.IsKind(hb.Type):
			diags = append(diags, errorf(hb.DefRange(), "Resource outside a service",
				"%s blocks are declared inside a service block: service \"NAME\" { %s \"...\" { ... } }.", hb.Type, hb.Type))
		default:
			diags = append(diags, errorf(hb.TypeRange, "Unsupported block type",
				"Blocks of type %q are not expected here; a configuration holds service blocks.%s",
				hb.Type, didYouMean(hb.Type, []string{"service"})))
		}
	}
	return out, diags
}
