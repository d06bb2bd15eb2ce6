package plan

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"

	"github.com/omhcl/omhcl/internal/parallel"
	"github.com/omhcl/omhcl/providers"
	"github.com/zclconf/go-cty/cty"
)

// Colors turns terminal colors on or off in renderings.
type Colors bool

func (c Colors) wrap(code, s string) string {
	if !c {
		return s
	}
	return "\x1b[" + code + "m" + s + "\x1b[0m"
}

func (c Colors) Green(s string) string  { return c.wrap("32", s) }
func (c Colors) Red(s string) string    { return c.wrap("31", s) }
func (c Colors) Yellow(s string) string { return c.wrap("33", s) }
func (c Colors) Bold(s string) string   { return c.wrap("1", s) }
func (c Colors) Gray(s string) string   { return c.wrap("90", s) }

// changeKind is how every rendering names a change.
type changeKind struct {
	symbol string // terraform-style marker: + - -/+ ~ !
	word   string // one word, for markdown
	verb   string // for the text plan: "will be started"
}

// kind classifies a change once for all renderings.
func (c *Change) kind() changeKind {
	replace := c.Has(providers.ActStop) && c.Has(providers.ActStart)
	switch {
	case c.Has(providers.ActUnprovision) && c.Has(providers.ActStop):
		return changeKind{"!", "unprovision", "will be stopped and UNPROVISIONED: its data will be destroyed"}
	case c.Has(providers.ActUnprovision):
		return changeKind{"!", "unprovision", "will be UNPROVISIONED: its data will be destroyed"}
	case replace && strings.HasPrefix(c.Reason, "restart"):
		return changeKind{"-/+", "restart", "will be restarted"}
	case replace:
		return changeKind{"-/+", "replace", "will be replaced (stopped, then started with the new settings)"}
	case c.Has(providers.ActProvision):
		return changeKind{"+", "provision+start", "will be provisioned and started"}
	case c.Has(providers.ActStart):
		return changeKind{"+", "start", "will be started"}
	case c.Has(providers.ActStop):
		return changeKind{"-", "stop", "will be stopped"}
	case c.Has(ActUpdate):
		return changeKind{"~", "update", "will be updated in place"}
	}
	return changeKind{" ", "update", "is unchanged"}
}

// Symbol is the terraform-style marker of a change.
func (c *Change) Symbol() string { return c.kind().symbol }

// Verb says what happens in words: "will be started".
func (c *Change) Verb() string { return c.kind().verb }

// WriteText renders the plan in the spirit of terraform plan.
func WriteText(out io.Writer, p *Plan, col Colors) {
	w := bufio.NewWriterSize(out, 64<<10) // a write per line is a syscall per line on a terminal or file
	defer w.Flush()
	if p.Empty() {
		fmt.Fprintf(w, "%s Node %s matches the configuration.\n", col.Green("No changes."), p.Node)
		writeNotes(w, p, col)
		return
	}
	writeTextPlan(w, p, col, CountChanges(p), countDestroying(p),
		func() { writeChanges(w, p.Changes, col) },
		func() {
			for i, s := range p.Steps {
				if s.EncapNode != "" {
					fmt.Fprintf(w, "  %2d. %-11s %s (the agent in %s converges it to %s)\n", i+1, s.Action, s.Address, s.RID, s.Target)
					continue
				}
				fmt.Fprintf(w, "  %2d. %-11s %s\n", i+1, s.Action, s.Address)
			}
		})
}

// writeTextPlan writes a plan that changes something around its changes
// and its numbered steps: the head, the summary of counts, the execution
// order, the notes and the warning for the data destroying changes
// unprovisioning (WriteText, and Streamed.WriteText for a plan made
// service by service).
func writeTextPlan(w io.Writer, p *Plan, col Colors, c Counts, destroying int, changes, steps func()) {
	fmt.Fprintf(w, "omhcl will perform the following actions on node %s:\n", col.Bold(p.Node))
	changes()
	fmt.Fprintf(w, "\n%s\n", col.Bold(planSummary(c)))
	fmt.Fprintln(w, "\nExecution order:")
	steps()
	writeNotes(w, p, col)
	if destroying > 0 {
		fmt.Fprintf(w, "\n%s\n", col.Red(fmt.Sprintf("WARNING: %d resource(s) will be unprovisioned: their data will be destroyed.", destroying)))
	}
}

// writeChanges writes each change, and a head before the first change of
// each level inside a container. The changes are rendered in parallel, a
// batch at a time, and written in order.
func writeChanges(w io.Writer, changes []*Change, col Colors) {
	heads := make([]bool, len(changes))
	level := ""
	for i, c := range changes {
		l := c.EncapNode + c.Container
		heads[i] = l != level && c.EncapNode != ""
		level = l
	}
	const chunk = 64 // changes per parallel task
	var bufs [16]bytes.Buffer
	for from := 0; from < len(changes); from += chunk * len(bufs) {
		to := min(from+chunk*len(bufs), len(changes))
		parallel.For((to-from+chunk-1)/chunk, func(k int) {
			b := &bufs[k]
			b.Reset()
			for i := from + k*chunk; i < min(from+(k+1)*chunk, to); i++ {
				if heads[i] {
					writeLevelHead(b, changes[i], col)
				}
				writeChange(b, changes[i], col)
			}
		})
		for k := 0; k < (to-from+chunk-1)/chunk; k++ {
			w.Write(bufs[k].Bytes())
		}
	}
}

// writeNotes lists what the plan leaves alone on purpose.
func writeNotes(w io.Writer, p *Plan, col Colors) {
	if len(p.Notes) == 0 {
		return
	}
	fmt.Fprintln(w)
	for _, n := range p.Notes {
		fmt.Fprintf(w, "%s\n", col.Gray("Note: "+n))
	}
}

// writeLevelHead introduces the changes inside one container.
func writeLevelHead(w io.Writer, c *Change, col Colors) {
	fmt.Fprintf(w, "\n%s\n", col.Bold(fmt.Sprintf("inside %s (%s), by the agent there:", c.EncapNode, c.Container)))
	if c.Deferred {
		fmt.Fprintf(w, "  %s\n", col.Gray("(known after apply: the container is not running yet or starts anew; the agent plans this level again then)"))
	}
}

func writeChange(w io.Writer, c *Change, col Colors) {
	sym := c.Symbol()
	color := col.Green
	switch sym {
	case "-", "!":
		color = col.Red
	case "-/+", "~":
		color = col.Yellow
	}
	head := fmt.Sprintf("# %s %s", c.Address, c.Verb())
	if c.Reason != "" && !c.Has(providers.ActUnprovision) {
		head += col.Gray(" (" + c.Reason + ")")
	}
	fmt.Fprintf(w, "\n  %s\n", col.Bold(head))
	fmt.Fprintf(w, "%s %s %q {\n", color(fmt.Sprintf("%3s", sym)), c.Kind, c.RID[len(c.Kind)+1:])
	for _, line := range attrLines(c) {
		fmt.Fprintf(w, "      %s\n", line)
	}
	fmt.Fprintln(w, "    }")
	for _, op := range c.Operations {
		fmt.Fprintf(w, "      %s %s\n", col.Gray(">"), op)
	}
}

// attrLines shows the settings of a change: changed ones as old -> new.
func attrLines(c *Change) []string {
	after := c.After.Config
	before := c.Before.Config
	names := c.attrOrder
	if len(names) == 0 {
		for k := range before {
			names = append(names, k)
		}
		for k := range after {
			names = append(names, k)
		}
		sort.Strings(names)
		names = dedupe(names)
	}
	// settings left at their default are noise unless they change
	names = slices.DeleteFunc(slices.Clone(names), func(n string) bool {
		return slices.Contains(c.defaults, n) && (!shown(before[n]) || equalKnown(before[n], after[n]))
	})
	width := 0
	for _, n := range names {
		if shown(before[n]) || shown(after[n]) {
			width = max(width, len(n))
		}
	}
	var out []string
	for _, n := range names {
		b, a := before[n], after[n]
		if !shown(b) && !shown(a) {
			continue
		}
		pad := n + strings.Repeat(" ", width-len(n))
		switch {
		case len(after) == 0 || !c.After.hasConfig():
			out = append(out, fmt.Sprintf("  %s = %s", pad, render(b)))
		case shown(b) && !equalKnown(b, a):
			out = append(out, fmt.Sprintf("~ %s = %s -> %s", pad, render(b), render(a)))
		default:
			out = append(out, fmt.Sprintf("  %s = %s", pad, render(a)))
		}
	}
	return out
}

func (v *ResourceValues) hasConfig() bool { return v != nil && len(v.Config) > 0 }

func shown(v cty.Value) bool { return v != cty.NilVal && !v.IsNull() }

func equalKnown(a, b cty.Value) bool {
	if !shown(b) {
		return !shown(a)
	}
	return b.IsWhollyKnown() && equalValues(a, b)
}

// render prints a value as HCL would write it.
func render(v cty.Value) string {
	switch {
	case v == cty.NilVal || v.IsNull():
		return "null"
	case !v.IsKnown():
		return providers.Unknown
	case v.Type() == cty.String:
		return fmt.Sprintf("%q", v.AsString())
	case v.Type() == cty.Bool:
		return fmt.Sprint(v.True())
	case v.Type() == cty.Number:
		return v.AsBigFloat().Text('f', -1)
	case v.Type().IsListType() || v.Type().IsTupleType() || v.Type().IsSetType():
		var parts []string
		for it := v.ElementIterator(); it.Next(); {
			_, e := it.Element()
			parts = append(parts, render(e))
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case v.Type().IsMapType() || v.Type().IsObjectType():
		var parts []string
		for it := v.ElementIterator(); it.Next(); {
			k, e := it.Element()
			parts = append(parts, fmt.Sprintf("%s = %s", k.AsString(), render(e)))
		}
		return "{ " + strings.Join(parts, ", ") + " }"
	}
	return v.GoString()
}

// Summary counts the changes by kind of action.
func Summary(p *Plan) string { return planSummary(CountChanges(p)) }

func planSummary(c Counts) string {
	return "Plan: " + countWords(c, "to start", "to stop", "to replace", "to update in place", "to provision", "to unprovision") + "."
}

// AppliedSummary counts what an apply of p did.
func AppliedSummary(p *Plan) string {
	return "Resources: " + counts(p, "started", "stopped", "replaced", "updated in place", "provisioned", "unprovisioned") + "."
}

// Counts are a plan's changes by kind of action, as Summary words them.
type Counts struct {
	Start       int `json:"start"`
	Stop        int `json:"stop"`
	Replace     int `json:"replace"`
	Update      int `json:"update"`
	Provision   int `json:"provision"`
	Unprovision int `json:"unprovision"`
}

// CountChanges counts p's changes: a resource stopped and started again
// is one replace; a provision or an unprovision counts besides.
func CountChanges(p *Plan) Counts {
	var n Counts
	for _, c := range p.Changes {
		switch {
		case c.Has(providers.ActStop) && c.Has(providers.ActStart):
			n.Replace++
		case c.Has(providers.ActStart):
			n.Start++
		case c.Has(providers.ActStop):
			n.Stop++
		case c.Has(ActUpdate):
			n.Update++
		}
		if c.Has(providers.ActProvision) {
			n.Provision++
		}
		if c.Has(providers.ActUnprovision) {
			n.Unprovision++
		}
	}
	return n
}

func counts(p *Plan, words ...string) string { return countWords(CountChanges(p), words...) }

// countWords words counts as Summary does.
func countWords(c Counts, words ...string) string {
	n := []int{c.Start, c.Stop, c.Replace, c.Update, c.Provision, c.Unprovision}
	parts := make([]string, len(n))
	for i := range n {
		parts[i] = fmt.Sprintf("%d %s", n[i], words[i])
	}
	return strings.Join(parts, ", ")
}

func countDestroying(p *Plan) int {
	n := 0
	for _, c := range p.Changes {
		if c.DestroysData {
			n++
		}
	}
	return n
}

func dedupe(s []string) []string {
	var out []string
	for i, v := range s {
		if i == 0 || v != s[i-1] {
			out = append(out, v)
		}
	}
	return out
}
