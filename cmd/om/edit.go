package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/omhcl/omhcl/cmd/internal/cli"
	"github.com/omhcl/omhcl/internal/atomicfile"
	"github.com/omhcl/omhcl/lang"
	"github.com/omhcl/omhcl/state"
	"github.com/spf13/cobra"
)

// newEditConfig is the seed's "om svc1 edit config", made safe like
// visudo: an invalid configuration is never kept.
func newEditConfig(e *cli.Env, cf *configFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "config SERVICE",
		Short: "Edit the file holding a service; keep it only if valid, then hand it to the cluster",
		Long: `config opens a copy of the file holding the service in $VISUAL, else $EDITOR,
else vi. The saved copy is checked as omplan validate checks a configuration,
with the other files of the configuration. An invalid copy is never kept: on
a terminal om prints the diagnostics and asks to edit again or quit; without
one it exits 1. Either way the file is untouched. A valid copy replaces the
file at once (rename), then goes to the cluster daemon when one runs on
this node, as omapply hands it; without a daemon the change stays local.

A service the cluster distributed to this node, with no file here, is edited
the same way and handed to the daemon. Where no daemon runs (inside the
container of an encapsulated service), the edit is kept here as a new
generation: the node running the container takes it as the newest.`,
		Example: "  om svc1 edit config\n  EDITOR=nano om edit config svc1",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, names, err := cf.services(e, args)
			if err != nil {
				return err
			}
			if len(names) != 1 {
				return fmt.Errorf("edit config takes one service; %q selects %d: %s", args[0], len(names), strings.Join(names, ", "))
			}
			return editConfig(cmd.Context(), e, cfg, names[0])
		},
	}
}

// configEdit is one edit of the file holding a service.
type configEdit struct {
	e    *cli.Env
	cfg  *lang.Config
	file string // the file holding the service
	// stored: the service came from the daemon's store, file is a name
	stored bool
	orig   []byte
	perm   os.FileMode
}

func editConfig(ctx context.Context, e *cli.Env, cfg *lang.Config, name string) error {
	ed := &configEdit{e: e, cfg: cfg, file: cfg.Service(name).Range.Filename}
	f := cfg.Files[ed.file]
	if f == nil {
		return fmt.Errorf("%s: no source for service %s", ed.file, name)
	}
	ed.orig = f.Bytes
	switch fi, err := os.Stat(ed.file); {
	case err == nil:
		ed.perm = fi.Mode().Perm()
	case errors.Is(err, fs.ErrNotExist):
		ed.stored = true
	default:
		return err
	}
	tmp, err := os.CreateTemp("", name+"-*.hcl") // .hcl: editors highlight it
	if err != nil {
		return err
	}
	keep := false
	defer func() {
		if !keep {
			os.Remove(tmp.Name())
		}
	}()
	_, err = tmp.Write(ed.orig)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	in := bufio.NewReader(os.Stdin)
	for {
		if err := runEditor(tmp.Name()); err != nil {
			return fmt.Errorf("%v; %s unchanged", err, ed.file)
		}
		edited, err := os.ReadFile(tmp.Name())
		if err != nil {
			return err
		}
		if bytes.Equal(edited, ed.orig) {
			fmt.Fprintf(e.Out, "%s: no change\n", ed.file)
			return nil
		}
		if next, ok := ed.check(ctx, edited); ok {
			keep, err = ed.save(ctx, next, edited, tmp.Name())
			return err
		}
		// like visudo: only a person at a terminal gets another go
		if !cli.IsTerminal(os.Stdin) || !again(e.Out, in) {
			fmt.Fprintf(e.Err, "%s: the edited configuration is invalid; %s unchanged\n", name, ed.file)
			return cli.ErrReported
		}
	}
}

// runEditor runs $VISUAL, else $EDITOR, else vi on path, through the shell
// so "code -w" or "vim -u NONE" work.
func runEditor(path string) error {
	editor := os.Getenv("VISUAL")
	if editor == "" {
		editor = os.Getenv("EDITOR")
	}
	if editor == "" {
		editor = "vi"
	}
	cmd := exec.Command("/bin/sh", "-c", editor+` "$1"`, "sh", path)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("editor %q: %v", editor, err)
	}
	return nil
}

// again asks whether to edit again; anything but e (or an end of input)
// quits.
func again(out io.Writer, in *bufio.Reader) bool {
	for {
		fmt.Fprint(out, "What now? e(dit again) / q(uit, discarding): ")
		line, err := in.ReadString('\n')
		switch strings.TrimSpace(line) {
		case "e":
			return true
		case "q":
			return false
		}
		if err != nil {
			fmt.Fprintln(out)
			return false
		}
	}
}

// check loads the configuration with the edited file in place of the
// original, as omplan does, and evaluates the edited file's services for
// each of their nodes. It prints the diagnostics.
func (ed *configEdit) check(ctx context.Context, edited []byte) (*lang.Config, bool) {
	files := make(map[string][]byte, len(ed.cfg.Files))
	for name, f := range ed.cfg.Files {
		files[name] = f.Bytes
	}
	files[ed.file] = edited
	next, diags := lang.LoadFiles(files)
	if !diags.HasErrors() {
		// the other files' services are as they were: judge this file's
		diags = append(diags, cli.EvaluateAll(ctx, &lang.Config{Services: ed.services(next), Files: next.Files})...)
	}
	if len(diags) > 0 {
		var srcs map[string]*hcl.File
		if next != nil {
			srcs = next.Files
		}
		lang.WriteDiagnostics(ed.e.Err, srcs, diags, bool(ed.e.Colors(ed.e.Err)))
	}
	return next, !diags.HasErrors()
}

// services returns the services cfg loads from the edited file.
func (ed *configEdit) services(cfg *lang.Config) []*lang.Service {
	var out []*lang.Service
	for _, s := range cfg.Services {
		if s.Range.Filename == ed.file {
			out = append(out, s)
		}
	}
	return out
}

// save replaces the file with the valid edited copy and hands the file's
// services to the cluster daemon when one runs here. keep says the copy
// at tmp holds work the user would lose.
func (ed *configEdit) save(ctx context.Context, next *lang.Config, edited []byte, tmp string) (keep bool, err error) {
	var names []string
	for _, s := range ed.services(next) {
		names = append(names, s.Name)
	}
	if !ed.stored {
		// someone else may have changed the file meanwhile: never lose
		// their change nor this one
		if cur, err := os.ReadFile(ed.file); err != nil || !bytes.Equal(cur, ed.orig) {
			return true, fmt.Errorf("%s changed while you edited it; your version is kept in %s", ed.file, tmp)
		}
		if err := atomicfile.Write(ed.file, edited, ed.perm); err != nil {
			return true, fmt.Errorf("saving %s: %v; your version is kept in %s", ed.file, err, tmp)
		}
		fmt.Fprintf(ed.e.Out, "%s: saved\n", ed.file)
	}
	_, handed, err := ed.e.HandToCluster(ctx, next, names)
	switch {
	case err != nil && ed.stored:
		return true, fmt.Errorf("%v; your version is kept in %s", err, tmp)
	case err != nil:
		return false, fmt.Errorf("%s is saved, but %v", ed.file, err)
	case !handed && ed.stored:
		if err := ed.keep(next, names); err != nil {
			return true, fmt.Errorf("%v; your version is kept in %s", err, tmp)
		}
	case !handed:
		fmt.Fprintf(ed.e.Out, "no daemon runs on this node: the change is saved locally (omapply or om start acts on it)\n")
	}
	return false, nil
}

// keep records a distributed configuration edited where no daemon runs
// (inside the container of an encapsulated service): a new generation,
// made here, which the node running the container pulls as the newest.
func (ed *configEdit) keep(next *lang.Config, names []string) error {
	store := ed.e.Store()
	for _, n := range names {
		e, err := state.NewConfigEntry(n, string(next.ServiceSource(n)), ed.e.NodeName(), store.LoadConfig(n))
		if err != nil {
			return err
		}
		if err := store.WriteConfig(e); err != nil {
			return err
		}
		fmt.Fprintf(ed.e.Out, "%s: configuration generation %d (%s) kept on %s; no daemon runs here: the node running this container takes it as the newest\n", n, e.Gen, e.Hash, ed.e.NodeName())
	}
	return nil
}
