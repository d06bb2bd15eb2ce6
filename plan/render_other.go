package plan

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

// WriteJSON writes the versioned plan document (what -json prints and -out
// saves, minus the configuration sources).
func WriteJSON(w io.Writer, p *Plan) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(p)
}

// WriteMarkdown renders a compact summary for pull-request comments:
// counts first, data-destroying actions called out, then a line per change.
func WriteMarkdown(out io.Writer, p *Plan) {
	w := bufio.NewWriterSize(out, 64<<10)
	defer w.Flush()
	fmt.Fprintf(w, "### omplan: node `%s`\n\n", p.Node)
	defer func() {
		for _, n := range p.Notes {
			fmt.Fprintf(w, "\n> %s\n", n)
		}
	}()
	if p.Empty() {
		fmt.Fprintln(w, "**No changes.** The node matches the configuration.")
		return
	}
	counts := map[string]int{}
	var order []string
	for _, c := range p.Changes {
		k := actionWord(c)
		if counts[k] == 0 {
			order = append(order, k)
		}
		counts[k]++
	}
	fmt.Fprintln(w, "| action | resources |\n|---|---:|")
	for _, k := range order {
		fmt.Fprintf(w, "| %s | %d |\n", k, counts[k])
	}
	var destroy []string
	for _, c := range p.Changes {
		if c.DestroysData {
			destroy = append(destroy, "`"+c.Address+"`")
		}
	}
	if len(destroy) > 0 {
		fmt.Fprintf(w, "\n> [!CAUTION]\n> **Data will be destroyed**: %s will be unprovisioned.\n", strings.Join(destroy, ", "))
	}
	fmt.Fprintln(w)
	for _, c := range p.Changes {
		line := fmt.Sprintf("- `%s` **%s** `%s`", c.Symbol(), actionWord(c), c.Address)
		if c.Reason != "" {
			line += ": " + c.Reason
		}
		fmt.Fprintln(w, line)
	}
}

func actionWord(c *Change) string { return c.kind().word }
