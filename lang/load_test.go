package lang

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
)

const dupDir = "../testfixtures/lang/dupdir"

func TestLoadDirectoryDuplicates(t *testing.T) {
	cfg, diags := Load(dupDir)
	var names []string
	for _, s := range cfg.Services {
		names = append(names, s.Name)
	}
	if want := []string{"db", "web"}; !reflect.DeepEqual(names, want) {
		t.Errorf("services %v, want %v (sorted, no .txt, no subdirectory)", names, want)
	}
	if len(cfg.Files) != 2 {
		t.Errorf("files %v, want a.hcl and b.hcl", cfg.Files)
	}
	d := findDiag(diags, "Duplicate service")
	if d == nil || len(diags) != 1 {
		t.Fatalf("want one duplicate error, got %s", render(cfg, diags))
	}
	first := filepath.Join(dupDir, "a.hcl")
	if d.Subject.Filename != filepath.Join(dupDir, "b.hcl") || d.Subject.Start.Line != 2 || d.Subject.Start.Column != 1 {
		t.Errorf("subject %v, want b.hcl:2,1", d.Subject)
	}
	if !strings.Contains(d.Detail, first+":2,1") {
		t.Errorf("detail %q does not point at the first definition %s:2,1", d.Detail, first)
	}
	if web := cfg.Service("web"); web == nil || web.DeclRange.Filename != first {
		t.Errorf("the first definition must be kept: %v", web)
	}
}

func TestLoadPaths(t *testing.T) {
	dir := t.TempDir()
	one := filepath.Join(dir, "one.hcl")
	if err := os.WriteFile(one, []byte(`service "one" { nodes = ["a", "b"] }`), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, diags := Load(one, filepath.Join(dupDir, "a.hcl"), one)
	if diags.HasErrors() || len(cfg.Services) != 3 {
		t.Fatalf("load files: %d services, %s", len(cfg.Services), render(cfg, diags))
	}
	if got := cfg.AllNodes(); !reflect.DeepEqual(got, []string{"a", "b", "n1", "n2"}) {
		t.Errorf("AllNodes %v", got)
	}
	empty := t.TempDir()
	for _, p := range []string{filepath.Join(dir, "missing.hcl"), empty} {
		_, diags := Load(p)
		if !diags.HasErrors() || !strings.Contains(diags[0].Detail, filepath.Base(p)) {
			t.Errorf("Load(%s): %v", p, diags)
		}
	}
	if _, diags := Load(); !diags.HasErrors() {
		t.Errorf("Load() without paths must fail")
	}
}

func TestAllNodesIncludesScopedSets(t *testing.T) {
	cfg := mustLoad(t, scopedIP)
	if got, want := cfg.AllNodes(), []string{"d1", "n1", "n2", "n3", "vm1"}; !reflect.DeepEqual(got, want) {
		t.Errorf("AllNodes %v, want %v", got, want)
	}
}

func TestDiagnosticsJSON(t *testing.T) {
	src := "service \"s\" {\n  fs \"a\" {\n    type  = \"ltfs\"\n    mnt   = \"/a\"\n    chek  = true\n  }\n  container \"c\" {\n    type = \"xen\"\n  }\n}\n"
	cfg, diags := loadSrc(t, src)
	b, err := DiagnosticsJSON(diags, cfg.Files)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		FormatVersion string `json:"format_version"`
		Valid         bool
		ErrorCount    int `json:"error_count"`
		WarningCount  int `json:"warning_count"`
		Diagnostics   []struct {
			Severity, Summary, Detail string
			Range                     struct {
				Filename   string
				Start, End struct{ Line, Column, Byte int }
			}
			Snippet struct {
				Context              *string
				Code                 string
				StartLine            int `json:"start_line"`
				HighlightStartOffset int `json:"highlight_start_offset"`
				HighlightEndOffset   int `json:"highlight_end_offset"`
			}
		}
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatalf("%v\n%s", err, b)
	}
	if doc.FormatVersion != "1.0" || doc.Valid || doc.ErrorCount != 1 || doc.WarningCount != 1 || len(doc.Diagnostics) != 2 {
		t.Fatalf("document:\n%s", b)
	}
	d := doc.Diagnostics[0]
	if d.Severity != "error" || d.Summary != "Unsupported argument" || !strings.Contains(d.Detail, `"check"`) {
		t.Errorf("diagnostic %+v", d)
	}
	if d.Range.Filename != "test.hcl" || d.Range.Start.Line != 5 || d.Range.Start.Column != 5 || d.Range.End.Column != 9 {
		t.Errorf("range %+v", d.Range)
	}
	sn := d.Snippet
	if sn.Code != "    chek  = true" || sn.StartLine != 5 || sn.Code[sn.HighlightStartOffset:sn.HighlightEndOffset] != "chek" {
		t.Errorf("snippet %+v", sn)
	}
	if sn.Context == nil || *sn.Context != `service "s"` {
		t.Errorf("context %q", derefString(sn.Context))
	}
	if doc.Diagnostics[1].Severity != "warning" {
		t.Errorf("second diagnostic %+v", doc.Diagnostics[1])
	}

	b, _ = DiagnosticsJSON(nil, nil)
	if !bytes.Contains(b, []byte(`"valid": true`)) || !bytes.Contains(b, []byte(`"diagnostics": []`)) {
		t.Errorf("empty document %s", b)
	}
}

func TestWriteDiagnostics(t *testing.T) {
	cfg, diags := loadSrc(t, "service \"s\" {\n  nodez = []\n}\n")
	var buf bytes.Buffer
	if err := WriteDiagnostics(&buf, cfg.Files, diags, false); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, want := range []string{"Error: Unsupported argument", "on test.hcl line 2", "2:   nodez = []", `mean "nodes"?`} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	// A diagnostic without range and without files still prints.
	buf.Reset()
	_ = WriteDiagnostics(&buf, nil, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "No configuration"}}, false)
	if !strings.Contains(buf.String(), "No configuration") {
		t.Errorf("output %q", buf.String())
	}
}

func TestFormat(t *testing.T) {
	src := "service \"s\" {\nnodes=[\"a\",\"b\"]\n  app =   \"x\"\n fs \"a\" {\n type=\"ltfs\"\n  mnt=\"/a\"\n  }\n}\n"
	want := "service \"s\" {\n  nodes = [\"a\", \"b\"]\n  app   = \"x\"\n  fs \"a\" {\n    type = \"ltfs\"\n    mnt  = \"/a\"\n  }\n}\n"
	got := string(Format([]byte(src)))
	if got != want {
		t.Errorf("Format:\n%s\nwant:\n%s", got, want)
	}
	if again := string(Format([]byte(got))); again != got {
		t.Errorf("Format is not idempotent:\n%s", again)
	}
	// Formatting keeps meaning: both load to the same settings.
	a, b := mustEval(t, src, "a", nil), mustEval(t, got, "a", nil)
	if !reflect.DeepEqual(a.Settings, b.Settings) {
		t.Errorf("settings differ after format")
	}
}

func derefString(s *string) string {
	if s == nil {
		return "<nil>"
	}
	return *s
}

// A binary file gives a bounded list of syntax errors, not one per byte.
func TestSyntaxErrorsCapped(t *testing.T) {
	src := "$^" + strings.Repeat("\x05", 5000)
	cfg, diags := loadSrc(t, src)
	if len(diags) != maxSyntaxErrors+1 {
		t.Fatalf("%d diagnostics, want %d", len(diags), maxSyntaxErrors+1)
	}
	last := diags[len(diags)-1]
	if last.Summary != "Too many syntax errors" || last.Subject == nil || !strings.Contains(last.Detail, "test.hcl has") {
		t.Errorf("last diagnostic %+v", last)
	}
	if _, err := DiagnosticsJSON(diags, cfg.Files); err != nil {
		t.Fatal(err)
	}
}

func TestServiceSourceIsTheWholeBlock(t *testing.T) {
	src := "# header\nservice \"a\" {\n  nodes = [\"n1\"]\n}\n\nservice \"b\" {\n  nodes = [\"n2\"]\n}\n"
	cfg, diags := LoadFiles(map[string][]byte{"x.hcl": []byte(src)})
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	if got := string(cfg.ServiceSource("b")); got != "service \"b\" {\n  nodes = [\"n2\"]\n}" {
		t.Fatalf("source of b: %q", got)
	}
	again, diags := LoadFiles(map[string][]byte{"b.hcl": cfg.ServiceSource("b")})
	if diags.HasErrors() || again.Service("b") == nil {
		t.Fatalf("the extracted source does not load alone: %s", diags.Error())
	}
}
