package main

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

const daemonPkg = "github.com/omhcl/omhcl/daemon"

// The CLI links package wire, never the daemon's server: omplan and
// omapply do not depend on package daemon at all, and in cmd/ the one
// file that imports it is the one of om daemon run, which starts it.
func TestOnlyDaemonRunLinksTheDaemon(t *testing.T) {
	var importing []string
	runFile := ""
	err := filepath.WalkDir("..", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") {
			return err
		}
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		for _, imp := range f.Imports {
			if p, _ := strconv.Unquote(imp.Path.Value); p == daemonPkg {
				importing = append(importing, filepath.ToSlash(path))
			}
		}
		for _, decl := range f.Decls {
			if fn, ok := decl.(*ast.FuncDecl); ok && fn.Name.Name == "newDaemonRun" && filepath.Base(filepath.Dir(path)) == "om" {
				runFile = filepath.ToSlash(path)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if runFile == "" {
		t.Fatal("no file of cmd/om declares newDaemonRun")
	}
	if want := []string{runFile}; !slices.Equal(importing, want) {
		t.Errorf("the files of cmd/ importing %s: %q; want only om daemon run's, %q", daemonPkg, importing, want)
	}

	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command to list dependencies")
	}
	for _, cmd := range []string{"github.com/omhcl/omhcl/cmd/omplan", "github.com/omhcl/omhcl/cmd/omapply"} {
		out, err := exec.Command(goBin, "list", "-deps", cmd).Output()
		if err != nil {
			t.Fatalf("go list -deps %s: %v", cmd, err)
		}
		if slices.Contains(strings.Fields(string(out)), daemonPkg) {
			t.Errorf("%s depends on %s", cmd, daemonPkg)
		}
	}
}
