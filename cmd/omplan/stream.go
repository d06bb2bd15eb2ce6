package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"

	"github.com/omhcl/omhcl/cmd/internal/cli"
	"github.com/omhcl/omhcl/lang"
	"github.com/omhcl/omhcl/plan"
)

// wholeOnly turns streaming off (tests compare both paths).
var wholeOnly bool

// errNoStream sends a plan back to the whole-configuration path.
var errNoStream = errors.New("not streamed")

// streams says whether the plan asked for is made service by service
// (plan.Stream): from a snapshot, every service, as text or JSON. What
// needs the whole configuration stays with plan.Make: --cluster (every
// node's placement), -out (the saved plan holds the configuration and the
// inputs), -markdown, --service, --rid, --tag and -target (checked
// against every service before planning), the encap levels (--master,
// --slave, --slaves), the node's own drivers (no --snapshot), and a
// configuration the cluster daemon distributed (no .hcl file in PATH).
func streams(f planFlags, paths []string) bool {
	s := f.sel
	return !wholeOnly && f.snapshot != "" && !f.cluster && f.out == "" && !f.markdown &&
		len(s.Services) == 0 && len(s.RIDs) == 0 && len(s.Tags) == 0 && len(s.Addresses) == 0 && s.Levels.All() &&
		(s.Target == "" || slices.Contains([]string{"up", "standby", "down", "provision", "unprovision"}, s.Target)) &&
		cli.HasHCL(paths)
}

// runStream plans service by service, printing what runPlan prints for the
// same flags, in the same order: the configuration's diagnostics, the
// snapshot's error, the plan's diagnostics, then the plan. A snapshot
// that cannot be read or is of another format goes back to runPlan
// (errNoStream), which reports it as it always did.
func runStream(ctx context.Context, e *cli.Env, f planFlags, paths []string) error {
	fs, _ := lang.List(paths...)
	if fs == nil {
		return errNoStream
	}
	var live *plan.LazyLive
	s := &plan.Stream{
		JSON: f.json, Colors: e.Colors(e.Out),
		// the snapshot is read while the first files are parsed
		Prepare: func(s *plan.Stream) error {
			doc, err := os.ReadFile(f.snapshot)
			if err != nil {
				return errNoStream
			}
			live, err = plan.OpenLive(doc)
			if err != nil || live.FormatVersion != plan.LiveFormatVersion {
				return errNoStream
			}
			if e.Node == "" && os.Getenv("OMHCL_NODE") == "" {
				e.Node = live.Node
			}
			s.Options = plan.Options{Node: e.NodeName(), Target: plan.Target(f.sel.Target)}
			s.Source = live
			paceStream()
			return nil
		},
	}
	cfg, diags, plans, err := s.Files(ctx, fs)
	if err != nil {
		return err
	}
	colors := bool(e.Colors(e.Err))
	if len(diags) > 0 {
		lang.WriteDiagnostics(e.Err, cfg.Files, diags, colors)
	}
	if diags.HasErrors() {
		return cli.ErrReported
	}
	if err := live.Finish(); err != nil {
		return fmt.Errorf("%s: not an om status --json document: %w", f.snapshot, err)
	}
	p := s.Result(plans, cfg.Files)
	if len(p.Diags) > 0 {
		lang.WriteDiagnostics(e.Err, cfg.Files, p.Diags, colors)
	}
	if p.Errored {
		if f.json {
			p.WriteJSON(e.Out) // the errors, as a document for CI
		}
		return cli.ErrReported
	}
	if f.json {
		if err := p.WriteJSON(e.Out); err != nil {
			return err
		}
	} else {
		p.WriteText(e.Out)
	}
	if f.detailedExitcode && !p.Empty() {
		return cli.ExitError{Code: 2}
	}
	return nil
}
