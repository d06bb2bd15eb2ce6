package main

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/omhcl/omhcl/cmd/internal/cli"
	"github.com/omhcl/omhcl/plan"
	"github.com/omhcl/omhcl/wire"
	"github.com/spf13/cobra"
)

func newMon(e *cli.Env) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "mon",
		Short: "Show the cluster: daemon threads, nodes, and each service on each node",
		Long: `mon prints the daemon's view of the cluster. In the Services section each
node column shows the service's instance there: O up, X down, ! warn, - no
report, ? node not alive; ^ marks the nodes that should run it (the placement
targets: one for a failover service, flex_max for a flex one), * a
frozen service. In the Nodes section the state row says alive, failed,
left, held (yielding its services after a fence or on a degraded link),
settling (back, its news not current yet), vouched (down on an operator's
word), or a node's maintenance: draining (om node drain, its services
moving off), drained (nothing runs there), frozen (om node freeze), with *
when frozen too. Notes follow under the table.`,
		Example: "  om mon\n  om mon --json | jq '.services[] | {name, running_on}'",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := wire.Connect(cmd.Context(), e.Store().Root)
			if err != nil {
				return fmt.Errorf("%w (om daemon run starts it)", err)
			}
			v, err := c.Mon(cmd.Context())
			if err != nil {
				return err
			}
			if asJSON {
				enc := json.NewEncoder(e.Out)
				enc.SetIndent("", "  ")
				return enc.Encode(v)
			}
			writeMon(e.Out, v, e.Colors(e.Out))
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the view as JSON")
	return cmd
}

const monLabel = 33 // width of the row labels, as in the seed's om mon

func writeMon(w io.Writer, v *wire.MonView, col plan.Colors) {
	t := monTable{w: w}
	for _, n := range v.Nodes {
		t.names = append(t.names, n.Name)
	}
	writeThreads(w, v, col)
	fmt.Fprintln(w)
	writeNodes(t, v)
	fmt.Fprintln(w)
	writeServices(t, v)
	writeConfigRefusals(w, v)
}

// writeConfigRefusals says which configurations this node refused, and
// that the last good one is in force when the stored ones do not load.
func writeConfigRefusals(w io.Writer, v *wire.MonView) {
	if len(v.ConfigRefused) == 0 && v.ConfigBroken == "" {
		return
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Configurations refused")
	if v.ConfigBroken != "" {
		fmt.Fprintf(w, " the stored configurations do not load; the last good one is in force: %s\n", v.ConfigBroken)
	}
	for _, r := range v.ConfigRefused {
		fmt.Fprintf(w, " %s\n", refusalLine(r))
	}
}

// refusalLine is one refused configuration: what, from where, why, and
// how to make the change another way.
func refusalLine(r wire.ConfigRefusal) string {
	line := fmt.Sprintf("%s: generation %d (%s) from %s refused %s ago: %s", r.Service, r.Version.Gen, r.Version.Hash, r.From,
		time.Since(r.At).Round(time.Second), r.Why)
	if r.Accept != "" {
		line += "; " + r.Accept
	}
	return line
}

// monTable prints om mon's sections: a row per item, a column per node.
type monTable struct {
	w     io.Writer
	names []string
}

func (t monTable) header(title string) {
	fmt.Fprintf(t.w, "%-*s", monLabel+2, title)
	for _, n := range t.names {
		fmt.Fprintf(t.w, "%-10s", n)
	}
	fmt.Fprintln(t.w)
}

func (t monTable) row(label string, cells []string) {
	fmt.Fprintf(t.w, " %-*s| ", monLabel, label)
	for _, c := range cells {
		fmt.Fprintf(t.w, "%-10s", c)
	}
	fmt.Fprintln(t.w)
}

func writeThreads(w io.Writer, v *wire.MonView, col plan.Colors) {
	fmt.Fprintf(w, "%-*s%s\n", monLabel+2, "Threads", v.Node)
	var threads []string
	for t := range v.Threads {
		threads = append(threads, t)
	}
	sort.Strings(threads)
	for _, t := range threads {
		fmt.Fprintf(w, " %-10s %s\n", t, col.Green(v.Threads[t]))
	}
}

func writeNodes(t monTable, v *wire.MonView) {
	t.header("Nodes")
	var score, load, mem, st, loss []string
	for _, n := range v.Nodes {
		switch {
		case n.Name == v.Node:
			loss = append(loss, "-")
		case n.BeaconLoss == nil:
			loss = append(loss, "?")
		default:
			loss = append(loss, fmt.Sprintf("%d%%", *n.BeaconLoss))
		}
		score = append(score, fmt.Sprint(n.Facts.Score))
		load = append(load, fmt.Sprintf("%.2f", n.Facts.Load15))
		mem = append(mem, fmt.Sprintf("%d%%", n.Facts.MemPct))
		s := n.Status
		if n.Gone {
			s += "!"
		}
		if n.Settling {
			s = "settling" // alive, its news not current yet: nothing is handed to it
		}
		if n.HeldDown && n.Status == "alive" {
			s = "held" // alive, yielding its services after a fence or on a degraded link
		}
		if m := wire.MaintenanceWord(n.Frozen, n.Draining, n.Drained); m != "" && n.Status == "alive" {
			s = m // om node drain, om node freeze: held down too, for a reason
		}
		if n.VouchedDown {
			s = "vouched" // down on an operator's word: out of the quorum count
		}
		st = append(st, s)
	}
	t.row("score", score)
	t.row(" load 15m", load)
	t.row(" mem", mem)
	t.row("beacons lost", loss)
	t.row("state", st)
	quorum := "yes"
	switch {
	case !v.Quorum && v.Fencing:
		quorum = "NO: this node fences its services"
	case !v.Quorum:
		quorum = "NO: no side holds a majority; nothing fails over unless an operator runs om SVC takeover"
	}
	fmt.Fprintf(t.w, " %-*s| %s\n", monLabel, "quorum", quorum)
}

func writeServices(t monTable, v *wire.MonView) {
	t.header("Services")
	var notes []string
	for _, s := range v.Services {
		var cells []string
		for _, n := range v.Nodes {
			cells = append(cells, instanceCell(s, n))
		}
		t.row(serviceLabel(s), cells)
		notes = append(notes, serviceNotes(s, v.Nodes)...)
	}
	if len(notes) > 0 {
		fmt.Fprintln(t.w)
		for _, n := range notes {
			fmt.Fprintln(t.w, " "+n)
		}
	}
}

// serviceLabel is a service's row label: name (* when frozen), overall
// status, orchestrate mode, instances running out of wanted.
func serviceLabel(s wire.MonService) string {
	status, wanted := "down", 1
	switch {
	case s.Topology == "flex" && len(s.Running) > 0 && len(s.Running) < s.FlexMin:
		status = "warn" // fewer instances than the service needs
	case len(s.Running) > 0:
		status = "up"
	case unmanagedBy(s) != "":
		status = "up?"
	}
	if s.Topology == "flex" {
		wanted = s.FlexMax
		if wanted == 0 { // a daemon older than flex_max in om mon
			wanted = len(s.Nodes)
		}
	}
	frozen := ""
	if s.Frozen {
		frozen = "*"
	}
	return fmt.Sprintf("%-10s%-6s%-6s%d/%d", s.Name+frozen, status, s.Orchestrate, len(s.Running), wanted)
}

func instanceCell(s wire.MonService, n wire.MonNode) string {
	node := n.Name
	in := s.Instances[node]
	c := "-"
	switch {
	case n.Status != "alive":
		c = "?" // its last report may be stale
	case in == nil:
	case in.Running:
		c = "O"
	case in.Status == "warn":
		c = "!"
	default:
		c = "X"
	}
	if slices.Contains(s.Targets, node) {
		c += "^"
	}
	return c
}

// unmanaged names the node that found the service's address answering
// while no daemon reports running it: a copy nobody manages (its node's
// daemon died), which the conflict check keeps from doubling.
func unmanaged(s wire.MonService) (string, *wire.InstanceReport) {
	if len(s.Running) > 0 {
		return "", nil
	}
	for n, in := range s.Instances {
		if in.Conflict {
			return n, in
		}
	}
	return "", nil
}

func unmanagedBy(s wire.MonService) string { n, _ := unmanaged(s); return n }

func serviceNotes(s wire.MonService, members []wire.MonNode) []string {
	var out []string
	if n, in := unmanaged(s); n != "" {
		out = append(out, fmt.Sprintf("%s: an UNMANAGED copy answers on the network (found by %s's start conflict check, %d time(s) in a row); %s starts it again in %s if the copy is gone, backing off up to %s",
			s.Name, n, in.Conflicts, n, (time.Duration(in.RetryInMs)*time.Millisecond).Round(100*time.Millisecond), wire.MaxConflictBackoff))
	}
	if v := configSpread(s); v != "" {
		out = append(out, v)
	}
	if s.Frozen {
		out = append(out, s.Name+": frozen, not orchestrated")
	}
	if s.Intent == "stopped" {
		out = append(out, s.Name+": stopped on request, everywhere (om "+s.Name+" start resumes)")
	}
	if s.Placement != "optimal" && len(s.Running) > 0 {
		out = append(out, fmt.Sprintf("%s: non-optimal placement (running on %s)", s.Name, strings.Join(s.Running, ", ")))
	}
	if len(s.Running) > 1 && s.Topology != "flex" {
		out = append(out, fmt.Sprintf("%s: RUNNING ON %d NODES: %s", s.Name, len(s.Running), strings.Join(s.Running, ", ")))
	}
	var nodes []string
	for _, m := range members { // a node not alive reports nothing current
		if _, ok := s.Instances[m.Name]; ok && m.Status == "alive" {
			nodes = append(nodes, m.Name)
		}
	}
	for _, n := range nodes {
		in := s.Instances[n]
		if in.Busy != "" {
			out = append(out, fmt.Sprintf("%s@%s: %s in progress", s.Name, n, in.Busy))
		}
		if in.Note != "" {
			out = append(out, fmt.Sprintf("%s@%s: %s", s.Name, n, in.Note))
		}
		if in.MonitorFailed {
			out = append(out, fmt.Sprintf("%s@%s: monitor gave up here; not a candidate until an operator acts", s.Name, n))
		}
	}
	return out
}

// configSpread says which nodes lag behind the newest configuration.
func configSpread(s wire.MonService) string {
	var lagging []string
	for n, v := range s.Configs {
		if v != s.Config {
			lagging = append(lagging, fmt.Sprintf("%s has %d", n, v.Gen))
		}
	}
	sort.Strings(lagging)
	if len(lagging) == 0 {
		return fmt.Sprintf("%s: configuration generation %d (%s) on every node", s.Name, s.Config.Gen, s.Config.Hash)
	}
	return fmt.Sprintf("%s: configuration generation %d (%s) here; %s", s.Name, s.Config.Gen, s.Config.Hash, strings.Join(lagging, ", "))
}
