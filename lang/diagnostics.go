package lang

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hcled"
)

// WriteDiagnostics prints diagnostics with source snippets, as hcl does.
// Snippet lines longer than maxSnippetLine bytes are cut: hcl prints the
// whole source line, and a generated file may hold 100,000 brackets on one.
func WriteDiagnostics(w io.Writer, files map[string]*hcl.File, diags hcl.Diagnostics, color bool) error {
	lw := &lineLimiter{w: w, color: color}
	if err := hcl.NewDiagnosticTextWriter(lw, files, 78, color).WriteDiagnostics(diags); err != nil {
		return err
	}
	return lw.flush()
}

const maxSnippetLine = 200

// lineLimiter cuts the lines written through it to maxSnippetLine bytes.
type lineLimiter struct {
	w     io.Writer
	color bool
	line  []byte // the current line, up to maxSnippetLine bytes
	cut   int    // bytes of the current line left out
}

func (l *lineLimiter) Write(p []byte) (int, error) {
	n := len(p)
	for len(p) > 0 {
		i := bytes.IndexByte(p, '\n')
		chunk := p
		if i >= 0 {
			chunk = p[:i]
		}
		room := maxSnippetLine - len(l.line)
		if room > len(chunk) {
			room = len(chunk)
		}
		l.line = append(l.line, chunk[:room]...)
		l.cut += len(chunk) - room
		if i < 0 {
			break
		}
		if err := l.flush(); err != nil {
			return 0, err
		}
		if _, err := l.w.Write([]byte{'\n'}); err != nil {
			return 0, err
		}
		p = p[i+1:]
	}
	return n, nil
}

// flush writes the current line, with a note of what was cut.
func (l *lineLimiter) flush() error {
	out := l.line
	if l.cut > 0 {
		out = fmt.Appendf(out, " … (%d more bytes on this line)", l.cut)
		if l.color {
			out = append(out, "\x1b[0m"...) // an escape sequence may have been cut open
		}
	}
	l.line, l.cut = l.line[:0], 0
	_, err := l.w.Write(out)
	return err
}

// The JSON document mirrors `terraform validate -json`.
type jsonDiagnostics struct {
	FormatVersion string           `json:"format_version"`
	Valid         bool             `json:"valid"`
	ErrorCount    int              `json:"error_count"`
	WarningCount  int              `json:"warning_count"`
	Diagnostics   []JSONDiagnostic `json:"diagnostics"`
}

// JSONDiagnostic is one diagnostic as the JSON documents show it (validate
// -json, plan -json): severity, summary, detail, range and snippet.
type JSONDiagnostic struct {
	Severity string       `json:"severity"`
	Summary  string       `json:"summary"`
	Detail   string       `json:"detail"`
	Range    *jsonRange   `json:"range,omitempty"`
	Snippet  *jsonSnippet `json:"snippet,omitempty"`
}

type jsonRange struct {
	Filename string  `json:"filename"`
	Start    jsonPos `json:"start"`
	End      jsonPos `json:"end"`
}

type jsonPos struct {
	Line   int `json:"line"`
	Column int `json:"column"`
	Byte   int `json:"byte"`
}

type jsonSnippet struct {
	Context              *string `json:"context"`
	Code                 string  `json:"code"`
	StartLine            int     `json:"start_line"`
	HighlightStartOffset int     `json:"highlight_start_offset"`
	HighlightEndOffset   int     `json:"highlight_end_offset"`
}

// DiagnosticsJSON renders diagnostics as a terraform-validate-like document.
func DiagnosticsJSON(diags hcl.Diagnostics, files map[string]*hcl.File) ([]byte, error) {
	doc := jsonDiagnostics{FormatVersion: "1.0", Diagnostics: JSONDiagnostics(diags, files)}
	for _, d := range diags {
		if d.Severity == hcl.DiagWarning {
			doc.WarningCount++
		} else {
			doc.ErrorCount++
		}
	}
	doc.Valid = doc.ErrorCount == 0
	return json.MarshalIndent(doc, "", "  ")
}

// JSONDiagnostics converts diagnostics for a JSON document; never nil, so
// an empty list reads [].
func JSONDiagnostics(diags hcl.Diagnostics, files map[string]*hcl.File) []JSONDiagnostic {
	out := []JSONDiagnostic{}
	for _, d := range diags {
		jd := JSONDiagnostic{Severity: "error", Summary: d.Summary, Detail: d.Detail}
		if d.Severity == hcl.DiagWarning {
			jd.Severity = "warning"
		}
		if d.Subject != nil {
			jd.Range = &jsonRange{Filename: d.Subject.Filename, Start: posOf(d.Subject.Start), End: posOf(d.Subject.End)}
			jd.Snippet = snippet(files[d.Subject.Filename], *d.Subject, d.Context)
		}
		out = append(out, jd)
	}
	return out
}

func posOf(p hcl.Pos) jsonPos { return jsonPos{Line: p.Line, Column: p.Column, Byte: p.Byte} }

// snippet returns the whole source lines around the subject (widened to the
// context range), with the subject's offsets within them.
func snippet(f *hcl.File, subject hcl.Range, context *hcl.Range) *jsonSnippet {
	if f == nil {
		return nil
	}
	src := f.Bytes
	start, end := subject.Start.Byte, subject.End.Byte
	if context != nil && context.Filename == subject.Filename {
		start, end = min(start, context.Start.Byte), max(end, context.End.Byte)
	}
	if start < 0 || end > len(src) || start > end || subject.Start.Byte < 0 || subject.End.Byte > len(src) {
		return nil
	}
	lineStart := bytes.LastIndexByte(src[:start], '\n') + 1
	lineEnd := len(src)
	if i := bytes.IndexByte(src[end:], '\n'); i >= 0 {
		lineEnd = end + i
	}
	if end > start && src[end-1] == '\n' { // a range ending with its newline
		lineEnd = end - 1
	}
	lineEnd = max(lineEnd, subject.End.Byte)
	startLine := subject.Start.Line - bytes.Count(src[lineStart:subject.Start.Byte], []byte("\n"))
	// A generated line may be 100,000 bytes long: keep a window from a
	// little before the subject, like the text form does.
	if lineEnd-lineStart > maxSnippetLine {
		if from := subject.Start.Byte - maxSnippetLine/4; from > lineStart && !bytes.Contains(src[lineStart:from], []byte("\n")) {
			lineStart = from
		}
		lineEnd = min(lineEnd, lineStart+maxSnippetLine)
	}
	sn := &jsonSnippet{
		Code:                 string(src[lineStart:lineEnd]),
		StartLine:            startLine,
		HighlightStartOffset: max(subject.Start.Byte-lineStart, 0),
		HighlightEndOffset:   min(subject.End.Byte-lineStart, lineEnd-lineStart),
	}
	if c := hcled.ContextString(f, subject.Start.Byte); c != "" {
		sn.Context = &c
	}
	return sn
}
