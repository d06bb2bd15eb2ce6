package main

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/omhcl/omhcl/plan"
	"github.com/omhcl/omhcl/providers"
)

// writeTree prints the seed's status tree:
//
//	svc1                           up
//	`- instances
//	   `- demo1                      up         primary, idle
//	      |- ip#0           ........ up         198.18.0.10/24 br-prd
//	      `- sync#i0        ...O./.. up         config generation 1 (7b73776ae1f4668c) to nodes
func writeTree(w io.Writer, live *plan.Live, col plan.Colors) {
	if len(live.Services) == 0 {
		fmt.Fprintf(w, "No service on node %s.\n", live.Node)
	}
	for i, s := range live.Services {
		if i > 0 {
			fmt.Fprintln(w)
		}
		fmt.Fprintf(w, "%-31s%s\n", col.Bold(s.Service)+pad(col, s.Service), colorState(col, s.Status))
		fmt.Fprintln(w, "`- instances")
		fmt.Fprintf(w, "   `- %-27s%s %s\n", s.Node, fixed(colorState(col, s.Status), s.Status, 10), instanceNotes(s, col))
		for _, stray := range s.Strays {
			fmt.Fprintf(w, "      %s\n", col.Yellow("warn: "+stray))
		}
		shown := folded(s)
		if s.ConfigSync != nil {
			shown = append(shown, s.ConfigSync)
		}
		writeResources(w, "      ", shown, ridWidth(s.Resources), col)
	}
}

// writeResources prints resource lines under indent, and under each
// container the level inside it, as its agent reported it.
func writeResources(w io.Writer, indent string, resources []*plan.LiveResource, width int, col plan.Colors) {
	for j, r := range resources {
		branch := "|-"
		cont := "| "
		if j == len(resources)-1 {
			branch, cont = "`-", "  "
		}
		desc := r.Description
		if r.Orphan {
			desc += " (removed from the configuration)"
		}
		fmt.Fprintf(w, "%s%s %-*s %s %s %s\n", indent, branch, width, r.RID, r.Flags, fixed(colorState(col, r.Status), r.Status, 10), desc)
		msgs := r.Messages
		if r.Skipped != "" {
			msgs = append([]string{"info: " + r.Skipped}, msgs...)
		}
		if in := r.Inside; in != nil {
			msgs = append(msgs, insideNotes(in, col)...)
		}
		for _, m := range msgs {
			fmt.Fprintf(w, "%s%s %s %s\n", indent, cont, strings.Repeat(" ", width+1+8+1+10), col.Gray(m))
		}
		if r.Inside != nil && r.Inside.Instance != nil {
			// aligned on the columns of the lines above
			in := inner(r.Inside.Instance)
			longest := 0
			for _, r := range in {
				longest = max(longest, len(r.RID)+1)
			}
			writeResources(w, indent+cont+" ", in, max(width-3, longest), col)
		}
	}
}

// insideNotes say where the folded level comes from, how old it is, and
// what the configurations on either side are.
func insideNotes(in *plan.EncapStatus, col plan.Colors) []string {
	if in.Error != "" {
		return []string{col.Red("error: encap node " + in.Node + ": " + in.Error)}
	}
	note := fmt.Sprintf("info: encap node %s, %s, by its agent %s ago", in.Node, in.Instance.Status, in.Age(time.Now()))
	if in.Orchestrated {
		note += "; placed by the daemons inside the containers"
	}
	out := []string{note}
	if in.Conflict != "" {
		out = append(out, col.Red("error: "+in.Conflict))
	}
	if in.ConfigNote != "" {
		out = append(out, col.Yellow("info: "+in.ConfigNote))
	}
	if in.ConfigRefused != "" {
		out = append(out, col.Yellow("warn: "+in.ConfigRefused))
	}
	return out
}

// folded drops the resources of the other level: inside a container, the
// node's; on the node, the encap resources a container shows as its agent
// reports them.
func folded(s *plan.LiveInstance) []*plan.LiveResource {
	shown := slices.ContainsFunc(s.Resources, func(r *plan.LiveResource) bool { return r.Inside != nil && r.Inside.Instance != nil })
	return slices.DeleteFunc(slices.Clone(s.Resources), func(r *plan.LiveResource) bool {
		return r.Skipped == plan.SkipNodeLevel || (shown && r.Encap && r.Skipped != "")
	})
}

// inner are the resources the agent drives (those it does not skip), with
// the E flag they have seen from the node.
func inner(li *plan.LiveInstance) []*plan.LiveResource {
	var out []*plan.LiveResource
	for _, r := range li.Resources {
		if r.Skipped != "" {
			continue
		}
		e := *r
		if len(e.Flags) > 4 {
			e.Flags = e.Flags[:4] + "E" + e.Flags[5:]
		}
		out = append(out, &e)
	}
	return out
}

func instanceNotes(s *plan.LiveInstance, col plan.Colors) string {
	var notes []string
	if s.Status == providers.Warn {
		notes = append(notes, col.Yellow("warn"))
	}
	if s.Frozen {
		notes = append(notes, "frozen")
	}
	if !s.Provisioned {
		notes = append(notes, col.Red("not provisioned"))
	}
	if s.Role != "" {
		notes = append(notes, s.Role)
	}
	notes = append(notes, col.Gray("idle"))
	return strings.Join(notes, ", ")
}

func colorState(col plan.Colors, s providers.State) string {
	switch s {
	case providers.Up, providers.StdbyUp:
		return col.Green(string(s))
	case providers.Down:
		return col.Red(string(s))
	case providers.Warn:
		return col.Yellow(string(s))
	}
	return col.Gray(string(s))
}

// fixed pads a possibly colored string to width visible columns.
func fixed(colored string, plain providers.State, width int) string {
	return colored + strings.Repeat(" ", max(0, width-len(plain)))
}

// pad returns the spaces a bold name needs when colors add invisible bytes.
func pad(col plan.Colors, name string) string {
	if !col {
		return ""
	}
	return strings.Repeat(" ", max(0, 31-len(name)))
}

// ridWidth is the rid column's width: 14, as in the seed's trees, or the
// longest rid (container#pause) and a space.
func ridWidth(resources []*plan.LiveResource) int {
	w := 14
	for _, r := range resources {
		w = max(w, len(r.RID)+1)
	}
	return w
}
