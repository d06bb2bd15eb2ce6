package plan

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/omhcl/omhcl/internal/parallel"
)

// WriteJSON writes the versioned plan document (what -json prints and -out
// saves, minus the configuration sources): what a json.Encoder indenting
// by two spaces writes of p, byte for byte, in one write. The changes and
// steps, which make all of its length, are encoded in parallel.
func WriteJSON(w io.Writer, p *Plan) error {
	doc, err := appendPlanJSON(nil, p)
	if err != nil {
		return err
	}
	_, err = w.Write(doc)
	return err
}

// appendPlanJSON appends the plan document: Plan's fields in their order,
// each value as json.MarshalIndent writes it at its depth
// (TestPlanJSONAsEncoder holds it to the encoder, field by field).
func appendPlanJSON(out []byte, p *Plan) ([]byte, error) {
	return appendPlanDoc(out, p,
		func(out []byte) ([]byte, error) { return appendJSONList(out, p.Changes) },
		func(out []byte) ([]byte, error) { return appendJSONList(out, p.Steps) })
}

// appendPlanDoc appends the plan document of p, its changes and steps
// appended by the functions given.
func appendPlanDoc(out []byte, p *Plan, changes, steps func([]byte) ([]byte, error)) ([]byte, error) {
	fields := []struct {
		name string
		v    any
		list func([]byte) ([]byte, error) // the large arrays
	}{
		{name: "format_version", v: p.FormatVersion},
		{name: "id", v: p.ID},
		{name: "node", v: p.Node},
		{name: "created_at", v: p.CreatedAt},
		{name: "fingerprint", v: p.Fingerprint},
		{name: "resource_changes", list: changes},
		{name: "steps", list: steps},
		{name: "errored", v: p.Errored},
		{name: "diagnostics", v: p.Diagnostics},
		{name: "notes", v: p.Notes},
	}
	if len(p.Notes) == 0 {
		fields = fields[:len(fields)-1] // omitempty
	}
	out = append(out, "{\n"...)
	for i, f := range fields {
		out = append(out, "  "...)
		out = appendJSONString(out, f.name)
		out = append(out, ": "...)
		var err error
		if f.list != nil {
			out, err = f.list(out)
		} else {
			out, err = appendIndented(out, f.v, "  ")
		}
		if err != nil {
			return nil, err
		}
		if i < len(fields)-1 {
			out = append(out, ',')
		}
		out = append(out, '\n')
	}
	return append(out, "}\n"...), nil
}

// appendIndented appends v as json.MarshalIndent writes it on a line
// starting with prefix.
func appendIndented(out []byte, v any, prefix string) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	buf := bytes.NewBuffer(out)
	if err := json.Indent(buf, b, prefix, "  "); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// appendJSONList appends a top-level field's array, its elements encoded
// in parallel.
func appendJSONList[T any](out []byte, list []T) ([]byte, error) {
	switch {
	case list == nil:
		return append(out, "null"...), nil
	case len(list) == 0:
		return append(out, "[]"...), nil
	}
	const chunk = 64 // elements per parallel task
	parts := make([][]byte, (len(list)+chunk-1)/chunk)
	errs := make([]error, len(parts))
	parallel.For(len(parts), func(k int) {
		var b []byte
		for i := k * chunk; i < min((k+1)*chunk, len(list)) && errs[k] == nil; i++ {
			b = append(b, "    "...)
			b, errs[k] = appendIndented(b, list[i], "    ")
			if i < len(list)-1 {
				b = append(b, ',')
			}
			b = append(b, '\n')
		}
		parts[k] = b
	})
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	out = append(out, "[\n"...)
	for _, part := range parts {
		out = append(out, part...)
	}
	return append(out, "  ]"...), nil
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
