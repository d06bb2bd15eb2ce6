package plan

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"sync/atomic"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/omhcl/omhcl/check"
	"github.com/omhcl/omhcl/internal/parallel"
	"github.com/omhcl/omhcl/lang"
)

// A Stream plans a configuration one file, one service at a time: each
// file is parsed, each of its services evaluated, observed, checked,
// planned and rendered, then its syntax, its instance, its live state and
// its changes are dropped. What is kept of a service is what the document
// needs at the end, as bytes: its rendered changes and steps, its
// fingerprint record, its counts, notes and diagnostics. The memory a
// plan holds is then the output and the sources (kept for the
// diagnostics' snippets), not the configuration and the live state of
// every service at once.
//
// Its text and JSON documents are those Make and WriteText or WriteJSON
// give for the same request, byte for byte, and its diagnostics the same
// in the same order (TestStreamAsMake). It plans every service of the
// configuration (no Request.Services), without -target, --rid, --tag or
// levels (Options.Targets, RIDs, Tags and Levels must be empty), from a
// snapshot: what needs the whole set (checking that those name something
// of the configuration, -out's saved plan, --cluster) stays with Make.
type Stream struct {
	Options Options
	// Source is the live state; a LazyLive reads each service when it is
	// planned.
	Source Source
	// JSON renders the JSON document, else the text plan.
	JSON   bool
	Colors Colors

	// Prepare, when set, runs while the first files are parsed, before
	// any service is evaluated: it may set Options and Source (reading the
	// snapshot, which names the node). When it fails, Files plans
	// nothing and returns its error.
	Prepare func(*Stream) error

	observeFailed atomic.Bool // some service's observation has errors
	checksFailed  atomic.Bool // some service's attribute checks have errors
	buildFailed   atomic.Bool // some service could not be planned
}

// ServicePlan is what a Stream keeps of one service.
type ServicePlan struct {
	Name    string
	planned bool // the node takes part in the service or has a record of it
	// the diagnostics of each step, as Make gathers them
	observe, encap, attrs, changes hcl.Diagnostics
	buildErr                       error
	fingerprint                    []byte // appendFingerprint's record and a 0
	// the rendering: the changes (text: the head of the first one's
	// level apart, as it depends on the service before), and the steps,
	// each a line without its number (text) or an element (JSON)
	body, firstHead, steps []byte
	firstLevel, lastLevel  string
	nChanges, nSteps       int
	counts                 Counts
	destroying             int
	notes                  []string
}

// Files parses the files of fs and plans their services, on every CPU:
// the configuration Merge gives (its services are names only: their
// syntax was dropped once planned), the load's diagnostics, and the
// services' plans in the configuration's order. When loading has errors,
// the plans are nil; when Prepare fails, its error is all there is.
func (s *Stream) Files(ctx context.Context, fs *lang.FileSet) (*lang.Config, hcl.Diagnostics, []*ServicePlan, error) {
	parsed := make([]*lang.ParsedFile, len(fs.Names))
	plans := make([][]*ServicePlan, len(fs.Names))
	ready := make(chan struct{})
	var prepErr error
	if s.Prepare == nil {
		close(ready)
	} else {
		go func() {
			defer close(ready)
			prepErr = s.Prepare(s)
		}()
	}
	parallel.For(len(fs.Names), func(i int) {
		pf := fs.Parse(i)
		<-ready
		sps := make([]*ServicePlan, len(pf.Services))
		if prepErr != nil {
			sps = nil
		} else if len(pf.Services) > 1 {
			parallel.For(len(pf.Services), func(j int) { sps[j] = s.Service(ctx, pf.Services[j]) })
		} else {
			for j, svc := range pf.Services {
				sps[j] = s.Service(ctx, svc)
			}
		}
		pf.Forget()
		parsed[i], plans[i] = pf, sps
	})
	<-ready // no file
	if prepErr != nil {
		return nil, nil, nil, prepErr
	}
	cfg, diags := fs.Merge(parsed)
	if diags.HasErrors() {
		return cfg, diags, nil, nil
	}
	byName := make(map[string]*ServicePlan, len(cfg.Services))
	for _, sps := range plans {
		for _, sp := range sps {
			if _, dup := byName[sp.Name]; !dup { // a repeat is a load error
				byName[sp.Name] = sp
			}
		}
	}
	out := make([]*ServicePlan, len(cfg.Services))
	for i, svc := range cfg.Services {
		out[i] = byName[svc.Name]
	}
	return cfg, diags, out, nil
}

// Service plans one service: what Make does of it, in the same steps.
// The steps a failure elsewhere makes useless are skipped (a plan whose
// observation failed is not checked), never one whose result the document
// may still need.
func (s *Stream) Service(ctx context.Context, svc *lang.Service) *ServicePlan {
	sp := &ServicePlan{Name: svc.Name}
	node := s.Options.Node
	inst, live, diags := s.Source.Instance(ctx, svc, node)
	sp.observe = diags
	if diags.HasErrors() {
		s.observeFailed.Store(true)
		return sp
	}
	if live.Role == "" && !hasApplied(live) {
		return sp
	}
	t := s.Options.Target
	if t == "" {
		t = DefaultTarget(inst.Settings, node)
	}
	in := Input{Instance: inst, Live: live, Target: t}
	in.Encaps, diags = encapInputs(svc, in, s.Options.Levels)
	sp.observe = append(sp.observe, diags...)
	if diags.HasErrors() {
		s.observeFailed.Store(true)
	}
	sp.planned = true
	sp.fingerprint = append(appendFingerprint(nil, live), 0)
	if s.observeFailed.Load() {
		return sp
	}
	_, onNode := s.Source.(Drivers)
	pc := &planChecks{
		k: check.Checker{OnNode: onNode}, req: Request{Options: s.Options}, list: []Input{in},
		inputs: map[string]Input{svc.Name: in}, svcs: map[string]*lang.Service{svc.Name: svc},
	}
	sp.encap = pc.k.Encap(svc)
	sp.attrs = pc.inputAttrs(ctx, in)
	if sp.encap.HasErrors() || sp.attrs.HasErrors() {
		s.checksFailed.Store(true)
	}
	if s.observeFailed.Load() || s.checksFailed.Load() {
		return sp
	}
	built, err := buildLevels(in, s.Options)
	if err != nil {
		sp.buildErr = err
		s.buildFailed.Store(true)
		return sp
	}
	if s.buildFailed.Load() {
		return sp
	}
	for _, c := range built.changes {
		sp.changes = append(sp.changes, pc.change(ctx, c)...)
	}
	s.render(sp, built)
	return sp
}

// render writes what the document shows of a service's plan.
func (s *Stream) render(sp *ServicePlan, built *servicePlan) {
	p := &Plan{Changes: built.changes, Steps: built.stepList}
	sp.nChanges, sp.nSteps = len(p.Changes), len(p.Steps)
	sp.counts, sp.destroying, sp.notes = CountChanges(p), countDestroying(p), built.notes
	if s.JSON {
		for _, c := range p.Changes {
			sp.body = appendListElem(sp.body, c)
		}
		for _, st := range p.Steps {
			sp.steps = appendListElem(sp.steps, st)
		}
		return
	}
	w := &byteWriter{&sp.body}
	level := ""
	for i, c := range p.Changes {
		l := c.EncapNode + c.Container
		switch {
		case i == 0:
			sp.firstLevel = l
			if c.EncapNode != "" {
				writeLevelHead(&byteWriter{&sp.firstHead}, c, s.Colors)
			}
		case l != level && c.EncapNode != "":
			writeLevelHead(w, c, s.Colors)
		}
		level = l
		writeChange(w, c, s.Colors)
	}
	sp.lastLevel = level
	for _, st := range p.Steps {
		sp.steps = append(sp.steps, stepLine(st)...)
	}
}

// appendListElem appends an element of a top-level array of the JSON
// document, as appendJSONList writes it, always followed by a comma.
func appendListElem(out []byte, v any) []byte {
	out = append(out, "    "...)
	out, err := appendIndented(out, v, "    ")
	if err != nil {
		// what WriteJSON would fail on: the value cannot be encoded
		panic(fmt.Sprintf("plan: encoding %T: %v", v, err))
	}
	return append(out, ",\n"...)
}

// stepLine is a step of the text plan's execution order, after its number.
func stepLine(s Step) string {
	if s.EncapNode != "" {
		return fmt.Sprintf("%-11s %s (the agent in %s converges it to %s)\n", s.Action, s.Address, s.RID, s.Target)
	}
	return fmt.Sprintf("%-11s %s\n", s.Action, s.Address)
}

type byteWriter struct{ b *[]byte }

func (w *byteWriter) Write(p []byte) (int, error) {
	*w.b = append(*w.b, p...)
	return len(p), nil
}

// Streamed is the plan of a Stream: its diagnostics, and its document.
type Streamed struct {
	// Diags are the planning's diagnostics, in the order Make gives them.
	Diags hcl.Diagnostics
	// Errored says the plan cannot be applied (Plan.Errored).
	Errored bool
	// partial: the plan has no changes, only its errors (Make's errored
	// plan); errored then holds it.
	errored *Plan
	head    *Plan // the document's fields besides the changes and steps
	plans   []*ServicePlan
	nSteps  int
	colors  Colors // the Stream's, with which the changes were rendered
}

// Result puts the services' plans together, in the configuration's order,
// as Make would: its diagnostics, fingerprint and summary. files are the
// configuration's, for the diagnostics' snippets.
func (s *Stream) Result(plans []*ServicePlan, files map[string]*hcl.File) *Streamed {
	var diags hcl.Diagnostics
	for _, sp := range plans {
		diags = append(diags, sp.observe...)
	}
	req := Request{Config: &lang.Config{Files: files}, Options: s.Options}
	failed := func(d hcl.Diagnostics) *Streamed {
		return &Streamed{Diags: d, Errored: true, errored: req.errored(d)}
	}
	if diags.HasErrors() {
		return failed(diags)
	}
	for _, sp := range plans {
		diags = append(diags, sp.encap...)
	}
	for _, sp := range plans {
		diags = append(diags, sp.attrs...)
	}
	if diags.HasErrors() {
		return failed(diags)
	}
	for _, sp := range plans {
		if sp.buildErr != nil {
			return failed(append(diags, errorDiag("Cannot plan", sp.buildErr.Error())))
		}
	}
	st := &Streamed{
		colors: s.Colors,
		head:   &Plan{FormatVersion: FormatVersion, ID: newID(), Node: s.Options.Node, CreatedAt: time.Now().UTC()},
	}
	h := sha256.New()
	for _, sp := range plans {
		diags = append(diags, sp.changes...)
		h.Write(sp.fingerprint)
		st.head.Notes = append(st.head.Notes, sp.notes...)
		st.nSteps += sp.nSteps
		if sp.planned {
			st.plans = append(st.plans, sp)
		}
	}
	st.head.Fingerprint = hex.EncodeToString(h.Sum(nil))[:32]
	st.Diags, st.Errored = diags, diags.HasErrors()
	st.head.Errored = st.Errored
	st.head.Diagnostics = lang.JSONDiagnostics(diags, files)
	return st
}

// Empty reports whether the plan changes nothing.
func (st *Streamed) Empty() bool { return st.nSteps == 0 }

// WriteJSON writes the plan document, as WriteJSON writes Make's plan.
func (st *Streamed) WriteJSON(out io.Writer) error {
	if st.errored != nil {
		return WriteJSON(out, st.errored)
	}
	// The document is written as it is made: its two large arrays
	// straight from the services' renderings, never joined in memory.
	w := bufio.NewWriterSize(out, 1<<20)
	list := func(part func(*ServicePlan) []byte) func([]byte) ([]byte, error) {
		return func(b []byte) ([]byte, error) {
			var last *ServicePlan
			for _, sp := range st.plans {
				if len(part(sp)) > 0 {
					last = sp
				}
			}
			if last == nil {
				return append(b, "null"...), nil
			}
			w.Write(b)
			w.WriteString("[\n")
			for _, sp := range st.plans {
				p := part(sp)
				if sp == last {
					w.Write(p[:len(p)-2]) // no comma after the last element
					w.WriteString("\n")
					break
				}
				w.Write(p)
			}
			return append(b[:0], "  ]"...), nil
		}
	}
	rest, err := appendPlanDoc(nil, st.head,
		list(func(sp *ServicePlan) []byte { return sp.body }),
		list(func(sp *ServicePlan) []byte { return sp.steps }))
	if err != nil {
		return err
	}
	w.Write(rest)
	return w.Flush()
}

// WriteText writes the text plan, as WriteText writes Make's plan, in the
// Stream's colors.
func (st *Streamed) WriteText(out io.Writer) {
	col := st.colors
	w := bufio.NewWriterSize(out, 1<<20)
	defer w.Flush()
	p := st.head
	if st.Empty() {
		fmt.Fprintf(w, "%s Node %s matches the configuration.\n", col.Green("No changes."), p.Node)
		writeNotes(w, p, col)
		return
	}
	var counts Counts
	destroying := 0
	for _, sp := range st.plans {
		counts.add(sp.counts)
		destroying += sp.destroying
	}
	writeTextPlan(w, p, col, counts, destroying,
		func() {
			level := ""
			for _, sp := range st.plans {
				if sp.nChanges == 0 {
					continue
				}
				if len(sp.firstHead) > 0 && sp.firstLevel != level {
					w.Write(sp.firstHead)
				}
				w.Write(sp.body)
				level = sp.lastLevel
			}
		},
		func() {
			i := 0
			for _, sp := range st.plans {
				for rest := sp.steps; len(rest) > 0; {
					end := 0
					for rest[end] != '\n' {
						end++
					}
					i++
					fmt.Fprintf(w, "  %2d. ", i)
					w.Write(rest[:end+1])
					rest = rest[end+1:]
				}
			}
		})
}

func (c *Counts) add(o Counts) {
	c.Start += o.Start
	c.Stop += o.Stop
	c.Replace += o.Replace
	c.Update += o.Update
	c.Provision += o.Provision
	c.Unprovision += o.Unprovision
}
