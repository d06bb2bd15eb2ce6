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
//
// Load is List, every file's Parse (in parallel) and Merge: a caller that
// plans service by service (omplan) runs the same steps, dropping each
// file's services once it is done with them.
func Load(paths ...string) (*Config, hcl.Diagnostics) {
	fs, diags := List(paths...)
	if fs == nil {
		return &Config{Files: map[string]*hcl.File{}}, diags
	}
	parsed := make([]*ParsedFile, len(fs.Names))
	parallel.For(len(fs.Names), func(i int) { parsed[i] = fs.Parse(i) })
	return fs.Merge(parsed)
}

// FileSet is the configuration files some paths stand for, as Load reads
// them.
type FileSet struct {
	// Names are the distinct files to read, in the order of the paths.
	Names []string
	// entries are the paths' files in order, repeats included, and the
	// errors listing a path gave (a file ""): Merge reports them in this
	// order, as Load always did.
	entries []fileEntry
	srcs    map[string][]byte // LoadFiles: the sources, not read from disk
}

type fileEntry struct {
	file string
	err  error // listing the path failed
}

// List lists the files of paths. Without paths it returns no FileSet and
// the error Load gives.
func List(paths ...string) (*FileSet, hcl.Diagnostics) {
	if len(paths) == 0 {
		return nil, hcl.Diagnostics{{
			Severity: hcl.DiagError, Summary: "No configuration", Detail: "No configuration file or directory was given.",
		}}
	}
	fs := &FileSet{}
	seen := map[string]bool{}
	for _, p := range paths {
		list, err := configFiles(p)
		if err != nil {
			fs.entries = append(fs.entries, fileEntry{err: err})
			continue
		}
		for _, f := range list {
			fs.entries = append(fs.entries, fileEntry{file: f})
			if !seen[f] {
				seen[f] = true
				fs.Names = append(fs.Names, f)
			}
		}
	}
	return fs, nil
}

// ParsedFile is one file read, parsed, and its service blocks decoded.
type ParsedFile struct {
	Name string
	// Services are the file's service blocks, in the order written.
	Services []*Service
	readErr  error
	file     *hcl.File
	diags    hcl.Diagnostics
}

// Parse reads, parses and decodes the file Names[i]. Files parse on their
// own: Parse is safe for concurrent use.
func (fs *FileSet) Parse(i int) *ParsedFile {
	name := fs.Names[i]
	src, ok := fs.srcs[name]
	if !ok {
		var err error
		if src, err = os.ReadFile(name); err != nil {
			return &ParsedFile{Name: name, readErr: err}
		}
	}
	pf := parseFile(name, src)
	return &ParsedFile{Name: name, Services: pf.services, file: pf.file, diags: pf.diags}
}

// Forget drops what the file's services hold for evaluation, keeping what
// Merge reads of them (their names and where they are declared): a
// caller done with the services keeps a FileSet's worth of files without
// their syntax.
func (pf *ParsedFile) Forget() {
	for i, s := range pf.Services {
		pf.Services[i] = &Service{Name: s.Name, DeclRange: s.DeclRange, Range: s.Range}
	}
}

// Merge puts the files' services together, parsed[i] being the file
// Names[i]: the errors reading the files first, then each file's
// diagnostics and the services it repeats, in the order of the files. The
// services are sorted by name.
func (fs *FileSet) Merge(parsed []*ParsedFile) (*Config, hcl.Diagnostics) {
	byName := make(map[string]*ParsedFile, len(parsed))
	for _, pf := range parsed {
		byName[pf.Name] = pf
	}
	var diags hcl.Diagnostics
	var read []*ParsedFile
	done := map[string]bool{}
	for _, e := range fs.entries {
		err := e.err
		if err == nil {
			if done[e.file] {
				continue
			}
			pf := byName[e.file]
			if err = pf.readErr; err == nil {
				done[e.file] = true
				read = append(read, pf)
				continue
			}
		}
		diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Cannot read configuration", Detail: err.Error()})
	}
	cfg := &Config{Files: make(map[string]*hcl.File, len(read))}
	seen := map[string]*Service{}
	for _, pf := range read {
		diags = append(diags, pf.diags...)
		if pf.file == nil {
			continue
		}
		cfg.Files[pf.Name] = pf.file
		for _, s := range pf.Services {
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
	fs := &FileSet{srcs: files}
	for n := range files {
		fs.Names = append(fs.Names, n)
	}
	sort.Strings(fs.Names)
	for _, n := range fs.Names {
		fs.entries = append(fs.entries, fileEntry{file: n})
	}
	parsed := make([]*ParsedFile, len(fs.Names))
	parallel.For(len(fs.Names), func(i int) { parsed[i] = fs.Parse(i) })
	return fs.Merge(parsed)
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
	f, syntax := hclsyntax.ParseConfig(src, name, hcl.InitialPos)
	var ini *hcl.Diagnostic
	if syntax.HasErrors() {
		// an OpenSVC INI file: one error naming the converter, not one
		// per line
		if ini = iniDiagnostic(name, src); ini != nil {
			syntax = hcl.Diagnostics{ini}
		} else {
			syntax = teachSyntax(src, syntax)
		}
	}
	pf := parsedFile{file: f, diags: capSyntaxErrors(name, syntax)}
	if f == nil {
		return pf
	}
	body, ok := f.Body.(*hclsyntax.Body)
	if !ok {
		return pf
	}
	if ini != nil {
		pf.file = lightFile(name, f)
		return pf
	}
	services, d := decodeFile(body)
	if syntax.HasErrors() {
		d = withoutFalseRequired(d, syntax, body)
		for _, s := range services {
			s.errs = withoutFalseRequired(s.errs, syntax, body)
		}
	}
	d = append(d, openSVCRefs(name, src, body)...)
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
