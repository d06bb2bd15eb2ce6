package main

import (
	"fmt"

	"github.com/hashicorp/hcl/v2"
	"github.com/omhcl/omhcl/cmd/internal/cli"
	"github.com/omhcl/omhcl/lang"
	"github.com/spf13/cobra"
)

func newValidate(e *cli.Env) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "validate [PATH...]",
		Short: "Check the configuration: syntax, types, references, scoping for every node",
		Example: `  omplan validate examples/getting-started
  omplan validate -json services/ | jq '.diagnostics[] | .range.filename + ":" + (.range.start.line|tostring) + " " + .summary'`,
		Args: cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, diags := lang.Load(cli.ConfigPaths(args)...)
			if cfg != nil && !diags.HasErrors() {
				diags = append(diags, cli.EvaluateAll(cmd.Context(), cfg)...)
			}
			var files map[string]*hcl.File
			if cfg != nil {
				files = cfg.Files
			}
			if asJSON {
				b, err := lang.DiagnosticsJSON(diags, files)
				if err != nil {
					return err
				}
				fmt.Fprintln(e.Out, string(b))
			} else if len(diags) > 0 {
				lang.WriteDiagnostics(e.Err, files, diags, bool(e.Colors(e.Err)))
			}
			if diags.HasErrors() {
				return cli.ErrReported
			}
			if !asJSON {
				fmt.Fprintf(e.Out, "%s The configuration is valid (%d services).\n", e.Colors(e.Out).Green("Success!"), len(cfg.Services))
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the result as JSON")
	return cmd
}
