package main

import (
	"github.com/omhcl/omhcl/cmd/internal/cli"
	"github.com/omhcl/omhcl/plan"
	"github.com/spf13/cobra"
)

func newShow(e *cli.Env) *cobra.Command {
	var asJSON, markdown bool
	cmd := &cobra.Command{
		Use:     "show PLANFILE",
		Short:   "Print a saved plan",
		Example: "  omplan show -json svc1.plan | jq '[.resource_changes[] | select(.destroys_data)] | length'",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			saved, _, err := plan.LoadSaved(args[0])
			if err != nil {
				return err
			}
			switch {
			case asJSON:
				return plan.WriteJSON(e.Out, saved.Plan)
			case markdown:
				plan.WriteMarkdown(e.Out, saved.Plan)
			default:
				plan.WriteText(e.Out, saved.Plan, e.Colors(e.Out))
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the plan as JSON")
	cmd.Flags().BoolVar(&markdown, "markdown", false, "print the markdown summary")
	return cmd
}
