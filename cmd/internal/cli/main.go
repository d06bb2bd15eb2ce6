package cli

import (
	"errors"
	"fmt"
	"os"
	"regexp"
	"time"

	"github.com/omhcl/omhcl/providers"
	"github.com/spf13/cobra"
)

// Main runs a root command on args and exits with the documented codes: 0
// success, 1 error, or the code an ExitError carries.
func Main(root *cobra.Command, args []string) {
	root.SetArgs(TerraformFlags(args))
	root.SilenceUsage = true
	root.SilenceErrors = true
	Exit(root, root.Execute())
}

// Exit ends the process with the code err calls for, printing err unless
// it was already reported.
func Exit(root *cobra.Command, err error) {
	// A driver's late work (an address's second announcement) is not lost.
	providers.WaitBackground(time.Second)
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

var singleDash = regexp.MustCompile(`^-[a-z][a-z0-9-]+(=.*)?$`)

// TerraformFlags accepts the single-dash long flags of terraform habits
// (-json, -out=FILE, -detailed-exitcode, -auto-approve) by doubling their
// dash. omhcl defines no single-letter flags besides -h, so nothing clashes.
func TerraformFlags(args []string) []string {
	out := make([]string, 0, len(args))
	for i, a := range args {
		if a == "--" {
			return append(out, args[i:]...)
		}
		if singleDash.MatchString(a) {
			a = "-" + a
		}
		out = append(out, a)
	}
	return out
}
