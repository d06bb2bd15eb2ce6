// Package clidocs writes a command's manual pages and shell completion
// scripts from its cobra tree, for make install and make deb: they are the
// commands' own help, so they cannot drift from it.
//
// Each binary hands its root command to Run when its first argument is
// Request ("om __gendocs man DIR"), before any argument handling of its
// own: the root commands are built in package main, which no generator
// program could import. Request is no cobra command, so it neither shows in
// help nor changes how the binary parses its arguments.
package clidocs

import (
	"fmt"
	"io"
	"time"

	"github.com/omhcl/omhcl/internal/buildinfo"
	"github.com/spf13/cobra"
	"github.com/spf13/cobra/doc"
)

// Request is the first argument that asks for Run.
const Request = "__gendocs"

// Requested says whether args (os.Args[1:]) ask for Run.
func Requested(args []string) bool { return len(args) > 0 && args[0] == Request }

// Run handles the arguments after Request: "man DIR" writes a page per
// command (NAME.1, NAME-SUB.1, ...) into DIR, "bash", "zsh" or "fish"
// writes that shell's completion script to out.
func Run(root *cobra.Command, args []string, out io.Writer) error {
	switch {
	case len(args) == 2 && args[0] == "man":
		return man(root, args[1])
	case len(args) == 1 && args[0] == "bash":
		return root.GenBashCompletionV2(out, true)
	case len(args) == 1 && args[0] == "zsh":
		return root.GenZshCompletion(out)
	case len(args) == 1 && args[0] == "fish":
		return root.GenFishCompletion(out, true)
	}
	return fmt.Errorf("usage: %s %s man DIR | bash | zsh | fish", root.Name(), Request)
}

// man writes the pages, dated with the build's date when it was stamped
// (else cobra takes $SOURCE_DATE_EPOCH, else now), so a rebuild of the
// same commit writes the same pages.
func man(root *cobra.Command, dir string) error {
	info := buildinfo.Get()
	header := &doc.GenManHeader{Section: "1", Source: "omhcl " + info.Version, Manual: "omhcl manual"}
	if t, err := time.Parse(time.RFC3339, info.Date); err == nil {
		header.Date = &t
	}
	root.DisableAutoGenTag = true
	return doc.GenManTree(root, header, dir)
}
