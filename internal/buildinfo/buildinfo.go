// Package buildinfo says which build of omhcl runs: the version, commit and
// build date that make build stamps with -ldflags -X from git, else the
// commit the Go toolchain recorded (vcs.revision, when the build had git and
// -buildvcs on), with the version "devel".
package buildinfo

import (
	"encoding/json"
	"fmt"
	"runtime"
	"runtime/debug"
	"strings"

	"github.com/spf13/cobra"
)

// Set by make build:
//
//	-X github.com/omhcl/omhcl/internal/buildinfo.version=$(git describe --tags --always --dirty)
//	-X github.com/omhcl/omhcl/internal/buildinfo.commit=$(git rev-parse HEAD)
//	-X github.com/omhcl/omhcl/internal/buildinfo.date=$(date -u +%Y-%m-%dT%H:%M:%SZ)
var version, commit, date string

// Info is what a build says of itself.
type Info struct {
	Version string `json:"version"`          // git describe, or "devel"
	Commit  string `json:"commit,omitempty"` // the full hash, when known
	// Modified is set when the toolchain recorded uncommitted changes (a
	// stamped version says so itself: "-dirty").
	Modified bool   `json:"modified,omitempty"`
	Date     string `json:"date,omitempty"` // RFC 3339, UTC
	Go       string `json:"go"`
	Platform string `json:"platform"` // GOOS/GOARCH
}

// Get returns this build's information.
func Get() Info {
	i := Info{Version: version, Commit: commit, Date: date, Go: runtime.Version(), Platform: runtime.GOOS + "/" + runtime.GOARCH}
	if i.Version == "" {
		i.Version = "devel"
	}
	if i.Commit != "" {
		return i
	}
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				i.Commit = s.Value
			case "vcs.modified":
				i.Modified = s.Value == "true"
			}
		}
	}
	return i
}

// String is the one line --version prints after the command's name:
// "v0.3.0-2-gd71b26f (commit d71b26f…, built 2026-05-01T10:00:00Z, go1.26.8 linux/amd64)".
func (i Info) String() string {
	var parts []string
	switch {
	case i.Commit == "":
		parts = append(parts, "commit unknown")
	case i.Modified:
		parts = append(parts, "commit "+i.Commit+" with uncommitted changes")
	default:
		parts = append(parts, "commit "+i.Commit)
	}
	if i.Date != "" {
		parts = append(parts, "built "+i.Date)
	}
	parts = append(parts, i.Go+" "+i.Platform)
	return fmt.Sprintf("%s (%s)", i.Version, strings.Join(parts, ", "))
}

// AddVersion gives root a --version flag and, with command, a "version"
// subcommand (with --json), both printing "NAME " and Get's line. omapply
// takes paths as arguments, so it gets the flag only.
func AddVersion(root *cobra.Command, command bool) {
	info := Get()
	root.Version = info.String()
	root.SetVersionTemplate("{{.Name}} {{.Version}}\n")
	// Defined here rather than by cobra, so that it takes no -v from the
	// commands' future flags.
	root.Flags().Bool("version", false, "print the version, commit and build date")
	if !command {
		return
	}
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "version",
		Short: "Print the version, commit and build date of this build",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if asJSON {
				enc := json.NewEncoder(cmd.OutOrStdout())
				enc.SetIndent("", "  ")
				return enc.Encode(info)
			}
			_, err := fmt.Fprintf(cmd.OutOrStdout(), "%s %s\n", root.Name(), info)
			return err
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print it as a JSON object")
	root.AddCommand(cmd)
}
