package cli

import (
	"errors"
	"fmt"
	"os"

	"github.com/spf13/cobra"
)

// Main runs a root command and exits with the documented codes: 0 success,
// 1 error, or the code an ExitError carries.
func Main(root *cobra.Command) {
	root.SilenceUsage = true
	root.SilenceErrors = true
	err := root.Execute()
	var exit ExitError
	switch {
	case err == nil:
		os.Exit(0)
	case errors.As(err, &exit):
		os.Exit(exit.Code)
	case errors.Is(err, ErrReported):
		os.Exit(1)
	default:
		fmt.Fprintf(os.Stderr, "%s: %v\n", root.Name(), err)
		os.Exit(1)
	}
}
