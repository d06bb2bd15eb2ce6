package lang

import (
	"fmt"
	"runtime"
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
