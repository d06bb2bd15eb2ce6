package main

import (
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/omhcl/omhcl/cmd/internal/cli"
	"github.com/omhcl/omhcl/lang"
	"github.com/spf13/cobra"
)

func newLs(e *cli.Env, cf *configFlags) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "ls [SELECTOR...]",
		Short: "List the configured services (those a selector picks)",
		Long: `ls prints the names of the configured services, one a line (those the
selectors pick). --json prints a list of objects: name, OpenSVC path
(root/svc/NAME), nodes, drpnodes, orchestrate, topology and app, as the
service's settings evaluate on this node.`,
		Example: `  om ls
  om '*/svc/*' ls
  om 'web*' ls
  om ls --json | jq -r '.[] | select(.orchestrate == "ha") | .name'`,
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
			if !asJSON {
				for _, n := range names {
					fmt.Fprintln(e.Out, n)
				}
				return nil
			}
			list := []lsEntry{} // [] rather than null when empty
			for _, n := range names {
				list = append(list, newLsEntry(cfg.Service(n), e.NodeName()))
			}
			enc := json.NewEncoder(e.Out)
			enc.SetIndent("", "  ")
			return enc.Encode(list)
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the services and their main settings as JSON")
	return cmd
}

// lsEntry is a service in om ls --json.
type lsEntry struct {
	Name        string   `json:"name"`
	Path        string   `json:"path"`
	Nodes       []string `json:"nodes"`
	DrpNodes    []string `json:"drpnodes,omitempty"`
	Orchestrate string   `json:"orchestrate,omitempty"`
	Topology    string   `json:"topology,omitempty"`
	App         string   `json:"app,omitempty"`
	// Error says why the settings do not evaluate on this node.
	Error string `json:"error,omitempty"`
}

func newLsEntry(svc *lang.Service, node string) lsEntry {
	ent := lsEntry{Name: svc.Name, Path: "root/svc/" + svc.Name, Nodes: []string{}}
	inst, diags := svc.Evaluate(node, nil)
	if diags.HasErrors() {
		ent.Error = diags.Error()
		return ent
	}
	st := inst.Settings
	ent.Nodes, ent.DrpNodes, ent.Orchestrate, ent.Topology, ent.App = append(ent.Nodes, st.Nodes...), st.DrpNodes, st.Orchestrate, st.Topology, st.App
	return ent
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
