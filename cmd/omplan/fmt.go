package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"github.com/omhcl/omhcl/cmd/internal/cli"
	"github.com/omhcl/omhcl/lang"
	"github.com/spf13/cobra"
)

func newFmt(e *cli.Env) *cobra.Command {
	var check, diff bool
	cmd := &cobra.Command{
		Use:   "fmt [PATH...]",
		Short: "Rewrite .hcl files in the canonical format",
		Long: `fmt rewrites .hcl files (a file, or every .hcl file of a directory) in the
canonical HCL layout. With -check it changes nothing and exits 3 when a file
needs formatting (0 otherwise), for CI.`,
		Example: `  omplan fmt services/
  omplan fmt -check -diff services/`,
		RunE: func(cmd *cobra.Command, args []string) error {
			files, err := hclFiles(cli.ConfigPaths(args))
			if err != nil {
				return err
			}
			unformatted := 0
			for _, f := range files {
				src, err := os.ReadFile(f)
				if err != nil {
					return err
				}
				out := lang.Format(src)
				if bytes.Equal(src, out) {
					continue
				}
				unformatted++
				fmt.Fprintln(e.Out, f)
				if diff {
					fmt.Fprint(e.Out, unifiedDiff(f, string(src), string(out)))
				}
				if !check {
					if err := os.WriteFile(f, out, 0o644); err != nil {
						return err
					}
				}
			}
			if check && unformatted > 0 {
				return cli.ExitError{Code: 3}
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&check, "check", false, "change nothing; exit 3 when a file is not formatted")
	cmd.Flags().BoolVar(&diff, "diff", false, "show the formatting changes as a diff")
	return cmd
}

func hclFiles(paths []string) ([]string, error) {
	var out []string
	for _, p := range paths {
		fi, err := os.Stat(p)
		if err != nil {
			return nil, err
		}
		if !fi.IsDir() {
			out = append(out, p)
			continue
		}
		m, _ := filepath.Glob(filepath.Join(p, "*.hcl"))
		sort.Strings(m)
		out = append(out, m...)
	}
	return out, nil
}
