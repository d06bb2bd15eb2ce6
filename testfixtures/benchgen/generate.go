package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/omhcl/omhcl/lang"
	_ "github.com/omhcl/omhcl/providers/all" // the drivers evaluation needs
)

// maxServices keeps every service's current and old address distinct
// (serviceAddr).
const maxServices = 32000

func generateMain(args []string) error {
	fs := flag.NewFlagSet("benchgen", flag.ContinueOnError)
	n := fs.Int("services", 100, "number of services to generate")
	dir := fs.String("dir", "", "output directory (services/ and snapshot.json are written in it)")
	node := fs.String("node", "bench1", "node the snapshot describes; first node of every service")
	peer := fs.String("peer", "bench2", "second node of every service")
	if err := fs.Parse(args); err != nil {
		return err
	}
	switch {
	case fs.NArg() > 0:
		return fmt.Errorf("unexpected argument %q (subcommands: measure)", fs.Arg(0))
	case *dir == "":
		return fmt.Errorf("-dir is required")
	case *n < 1 || *n > maxServices:
		return fmt.Errorf("-services %d: want 1 to %d", *n, maxServices)
	case *node == *peer:
		return fmt.Errorf("-node and -peer are both %q", *node)
	}
	if err := generate(*n, *dir, *node, *peer); err != nil {
		return err
	}
	count := map[mix]int{}
	for i := range *n {
		count[mixOf(i)]++
	}
	fmt.Printf("%d services on %s: %d up and converged, %d down, %d up with changes\n",
		*n, *node, count[converged], count[down], count[changed])
	return nil
}

// generate writes the service files, loads them back with the language
// package (so a configuration omplan would reject is caught here), then
// writes the snapshot.
func generate(n int, dir, node, peer string) error {
	svcDir := filepath.Join(dir, "services")
	if err := os.MkdirAll(svcDir, 0o755); err != nil {
		return err
	}
	srcs := make(map[string][]byte, n)
	for i := range n {
		name := filepath.Join(svcDir, serviceName(i)+".hcl")
		src := serviceHCL(i, node, peer)
		if err := os.WriteFile(name, src, 0o644); err != nil {
			return err
		}
		srcs[name] = src
	}
	cfg, diags := lang.LoadFiles(srcs)
	if diags.HasErrors() {
		return fmt.Errorf("generated configuration does not load: %s", diags.Error())
	}
	live, err := snapshotOf(context.Background(), cfg, node)
	if err != nil {
		return err
	}
	return writeJSON(filepath.Join(dir, "snapshot.json"), live)
}

func writeJSON(path string, v any) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(f)
	if err := json.NewEncoder(w).Encode(v); err != nil {
		f.Close()
		return fmt.Errorf("encode %s: %w", path, err)
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
