package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/omhcl/omhcl/cmd/internal/cli"
	"github.com/omhcl/omhcl/lang"
	"github.com/omhcl/omhcl/opensvc"
	"github.com/spf13/cobra"
)

func newImport(e *cli.Env) *cobra.Command {
	var out, name string
	var force bool
	cmd := &cobra.Command{
		Use:   "import FILE.conf",
		Short: "Convert an OpenSVC INI service configuration to HCL",
		Long: `import converts an OpenSVC agent's service configuration (v2 or v3 INI:
[DEFAULT], [ip#0], key@scope, {rid.keyword}) into omhcl HCL, formatted as
omplan fmt formats it: [DEFAULT] becomes the service block, [KIND#NAME] a
KIND "NAME" block, KEY@node1 / KEY@nodes an on "node1" / on "@nodes" block,
{disk#1.exposed_devs[0]} the reference disk.1.exposed_devs[0], lists,
booleans and numbers their HCL forms.

Nothing is dropped: what has no equivalent in omhcl is kept in the HCL as a
comment at its place, with the reason, and listed on stderr. The result is
then validated as omplan validate would.

Without --out the HCL is printed; with it, written to DIR/NAME.hcl (NAME:
the file's name without .conf, or --name).

Exit codes: 0 converted whole and valid, 2 converted with something left as
a comment (or assumed), 1 error (unreadable file, invalid result).`,
		Example: `  om import /etc/opensvc/svc1.conf
  om import /etc/opensvc/svc1.conf --out /etc/omhcl && omplan /etc/omhcl`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			src, err := os.ReadFile(args[0])
			if err != nil {
				return err
			}
			res := opensvc.Convert(args[0], src, opensvc.Options{Name: name})
			dest := res.Service + ".hcl"
			if out != "" {
				dest = filepath.Join(out, dest)
				if _, err := os.Stat(dest); err == nil && !force {
					return fmt.Errorf("%s exists: remove it or pass --force", dest)
				}
				if err := os.MkdirAll(out, 0o755); err != nil {
					return err
				}
				if err := os.WriteFile(dest, res.HCL, 0o644); err != nil {
					return err
				}
			} else {
				e.Out.Write(res.HCL)
			}
			for _, n := range res.Notes {
				fmt.Fprintf(e.Err, "%s:%d: %s: %s\n", args[0], n.Line, n.What, n.Reason)
			}
			cfg, diags := lang.LoadFiles(map[string][]byte{dest: res.HCL})
			if len(diags) > 0 {
				lang.WriteDiagnostics(e.Err, cfg.Files, diags, !e.NoColor)
			}
			switch {
			case diags.HasErrors():
				return errors.New("the converted configuration is not valid: fix it where the errors say")
			case len(res.Notes) > 0:
				fmt.Fprintf(e.Err, "%d line(s) of %s left as comments or assumed in %s, with the reason: review them.\n", len(res.Notes), args[0], dest)
				return cli.ExitError{Code: 2}
			}
			if out != "" {
				fmt.Fprintf(e.Err, "wrote %s\n", dest)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&out, "out", "", "write DIR/NAME.hcl instead of printing the HCL")
	cmd.Flags().StringVar(&name, "name", "", "the service's name (default: the file's name without .conf)")
	cmd.Flags().BoolVar(&force, "force", false, "overwrite DIR/NAME.hcl")
	return cmd
}
