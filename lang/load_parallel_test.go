package lang

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// Files are parsed in parallel; the configuration and the diagnostics must
// come out as if they were read one by one, in name order.
func TestParallelLoadIsDeterministic(t *testing.T) {
	files := map[string][]byte{}
	for i := range 40 {
		src := benchService(i)
		switch i % 5 {
		case 1: // a syntax error
			src += "service \"broken\" {\n"
		case 2: // a duplicate of the service of the previous file
			src = benchService(i - 1)
		case 3: // an unknown attribute
			src = fmt.Sprintf("service \"odd%d\" {\n  colour = \"blue\"\n}\n", i)
		}
		files[fmt.Sprintf("f%02d.hcl", i)] = []byte(src)
	}
	load := func(procs int) string {
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
		cfg, diags := LoadFiles(files)
		var names []string
		for _, s := range cfg.Services {
			names = append(names, s.Name+"@"+s.DeclRange.Filename)
		}
		return fmt.Sprint(names, len(cfg.Files), "\n", render(cfg, diags))
	}
	want := load(1)
	if want == "" || len(want) < 1000 {
		t.Fatalf("sequential load: %s", want)
	}
	for range 5 {
		if got := load(4); got != want {
			t.Fatalf("parallel load differs:\n%s\nsequential:\n%s", got, want)
		}
	}
}

// Files are read in parallel; read errors still come in path order, before
// what the files say.
func TestLoadReportsReadErrorsInOrder(t *testing.T) {
	dir := t.TempDir()
	write := func(name, src string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	sub := filepath.Join(dir, "conf")
	if err := os.MkdirAll(filepath.Join(sub, "b.hcl"), 0o755); err != nil { // a directory named like a file
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(sub, "a.hcl"), []byte(`service "a" { colour = 1 }`), 0o644); err != nil {
		t.Fatal(err)
	}
	c := write("c.hcl", `service "c" {}`)
	cfg, diags := Load(sub, filepath.Join(dir, "missing.hcl"), c, filepath.Join(sub, "b.hcl"), c)
	var got []string
	for _, d := range diags {
		got = append(got, d.Summary+": "+filepath.Base(strings.Fields(d.Detail + " x")[0]))
	}
	want := []string{
		"Cannot read configuration: read", // conf/b.hcl, listed by the directory
		"Cannot read configuration: stat", // missing.hcl
		"Cannot read configuration: no",   // conf/b.hcl, named: a directory without .hcl files
		"Unsupported argument: An",        // a.hcl
	}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("diagnostics\n got %q\nwant %q", got, want)
	}
	if len(cfg.Services) != 2 || len(cfg.Files) != 2 {
		t.Errorf("services %d, files %d: want a and c once", len(cfg.Services), len(cfg.Files))
	}
}
