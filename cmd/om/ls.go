package main

import (
	"crypto/rand"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/omhcl/omhcl/cmd/internal/cli"
	"github.com/spf13/cobra"
)

func newLs(e *cli.Env, cf *configFlags) *cobra.Command {
	return &cobra.Command{
		Use:     "ls [SELECTOR...]",
		Short:   "List the configured services (those a selector picks)",
		Example: "  om ls\n  om '*/svc/*' ls\n  om 'web*' ls",
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, names, err := cf.services(e, args)
			if err != nil {
				return err
			}
			if len(args) == 0 {
				for _, s := range cfg.Services {
					names = append(names, s.Name)
				}
			}
			for _, n := range names {
				fmt.Fprintln(e.Out, n)
			}
			return nil
		},
	}
}

// newCreate writes a new service file with this node in nodes and a new
// id, for the operator to fill in (the seed's "om svc1 create").
func newCreate(e *cli.Env, cf *configFlags) *cobra.Command {
	var nodes []string
	cmd := &cobra.Command{
		Use:     "create SERVICE",
		Short:   "Write a new, empty service file in the configuration directory",
		Example: "  om svc1 create\n  om create svc1 --nodes demo1,demo2",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			name := args[0]
			if cli.IsSelector(name) {
				return fmt.Errorf("create takes a service name, not the selector %q", name)
			}
			dir := cf.Paths()[0]
			if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
				if err := os.MkdirAll(dir, 0o755); err != nil {
					return fmt.Errorf("configuration directory %s: %w", dir, err)
				}
			}
			path := filepath.Join(dir, name+".hcl")
			if len(nodes) == 0 {
				nodes = []string{e.NodeName()}
			}
			body := fmt.Sprintf("service %q {\n  nodes = [%s]\n  id    = %q\n}\n", name, quoteList(nodes), newUUID())
			f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
			if errors.Is(err, os.ErrExist) {
				return fmt.Errorf("%s already exists", path)
			}
			if err != nil {
				return err
			}
			defer f.Close()
			if _, err := f.WriteString(body); err != nil {
				return err
			}
			fmt.Fprintf(e.Out, "created %s\n", path)
			return nil
		},
	}
	cmd.Flags().StringSliceVar(&nodes, "nodes", nil, "nodes of the service (default: this node)")
	return cmd
}

// newUUID returns a random (version 4) UUID, the seed's service id.
func newUUID() string {
	var b [16]byte
	rand.Read(b[:])         // never fails: it crashes the program instead
	b[6] = b[6]&0x0f | 0x40 // version 4
	b[8] = b[8]&0x3f | 0x80 // RFC 4122 variant
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}

func quoteList(items []string) string {
	s := ""
	for i, x := range items {
		if i > 0 {
			s += ", "
		}
		s += fmt.Sprintf("%q", x)
	}
	return s
}
