package lang

import (
	"bytes"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/hashicorp/hcl/v2"
)

// maxNesting bounds how deeply a file may nest. hcl's parser recurses once
// per bracket, brace, parenthesis, block, interpolation and unary operator
// (up to 20 KB of stack each), and evaluation and every walk of the syntax
// tree once per chained binary operator, until the goroutine's 1 GB stack
// overflows, which kills the process beyond any recover. Measured with hcl
// v2.25: 48,600 nested "${", 57,000 objects, 59,000 brackets, 68,000
// parentheses, 157,000 blocks, 233,000 ! or -, 426,000 chained +. 256 is
// far below, and below encoding/json's 10,000 levels for values stored in
// state records, while a real configuration nests less than 10 deep.
const maxNesting = 256

// checkNesting scans src once, like the hcl lexer but only as far as
// nesting goes, and reports where it first goes deeper than maxNesting.
// Quoted strings, heredocs and comments are skipped, except for their
// ${ } and %{ } interpolations, which nest. Operators count as a level each
// until the next comma (or newline in a body or object), since a chain of
// them is a chain of nested nodes.
func checkNesting(name string, src []byte) *hcl.Diagnostic {
	s := nestScanner{src: src, stack: []nestFrame{{kind: nestBody}}}
	for s.i < len(src) && s.depth <= maxNesting {
		switch s.top().kind {
		case nestString:
			s.quoted()
		case nestHeredoc:
			s.heredoc()
		default:
			s.code()
		}
	}
	if s.depth <= maxNesting {
		return nil
	}
	at := posAt(src, s.i-1)
	end := at
	end.Byte, end.Column = at.Byte+1, at.Column+1
	return &hcl.Diagnostic{
		Severity: hcl.DiagError,
		Summary:  "Nesting too deep",
		Detail: fmt.Sprintf("This file nests more than %d levels deep here: brackets, braces, parentheses, blocks, "+
			"string interpolations and chained operators each count as a level. Nothing in the file was read; "+
			"flatten the expression or split it into several attributes.", maxNesting),
		Subject: &hcl.Range{Filename: name, Start: at, End: end},
	}
}

type nestKind byte

const (
	nestBody    nestKind = iota // the file's top level
	nestBrace                   // a block body or an object: { }
	nestBracket                 // [ ]
	nestParen                   // ( )
	nestInterp                  // ${ } or %{ } in a string or heredoc
	nestString                  // " "
	nestHeredoc                 // <<EOF ... EOF
)

type nestFrame struct {
	kind   nestKind
	marker []byte // a heredoc's closing marker
	ops    int    // operators since the last separator
}

type nestScanner struct {
	src   []byte
	i     int
	stack []nestFrame
	depth int // frames below the file plus their operators
	// prev is the last code byte read, past blanks; inIdent is set within
	// a name.
	prev    byte
	inIdent bool
}

func (s *nestScanner) top() *nestFrame { return &s.stack[len(s.stack)-1] }

func (s *nestScanner) push(f nestFrame) {
	s.stack = append(s.stack, f)
	s.depth++
}

func (s *nestScanner) pop() {
	s.depth -= 1 + s.top().ops
	s.stack = s.stack[:len(s.stack)-1]
}

func (s *nestScanner) op() {
	s.top().ops++
	s.depth++
}

// separate ends an expression: its operators no longer nest.
func (s *nestScanner) separate() {
	s.depth -= s.top().ops
	s.top().ops = 0
}

func (s *nestScanner) at(off int) byte {
	if off < len(s.src) {
		return s.src[off]
	}
	return 0
}

// skipTo moves past the first sep from the current position, or to the end.
func (s *nestScanner) skipTo(sep string) {
	if j := bytes.Index(s.src[s.i:], []byte(sep)); j >= 0 {
		s.i += j + len(sep)
	} else {
		s.i = len(s.src)
	}
}

// code reads one byte of expressions and bodies.
func (s *nestScanner) code() {
	c := s.src[s.i]
	s.i++
	prev, inIdent := s.prev, s.inIdent
	if c != ' ' && c != '\t' {
		s.prev = c
		// hcl identifiers may hold dashes: a-b is one name, not a - b.
		s.inIdent = isLetter(c) || inIdent && (isDigit(c) || c == '-')
	}
	switch c {
	case '#':
		s.skipLine()
	case '/':
		switch s.at(s.i) {
		case '/':
			s.skipLine()
		case '*':
			s.i++
			s.skipTo("*/")
		default:
			s.op()
		}
	case '"':
		s.push(nestFrame{kind: nestString})
	case '{':
		s.push(nestFrame{kind: nestBrace})
	case '(':
		s.push(nestFrame{kind: nestParen})
	case '[':
		if isLetter(prev) || isDigit(prev) || strings.IndexByte(")]}\"*", prev) >= 0 {
			s.op() // an index or a splat nests the expression it follows
		}
		s.push(nestFrame{kind: nestBracket})
	case '}', ']', ')':
		if len(s.stack) > 1 {
			s.pop()
		}
	case ',':
		s.separate()
	case '\n':
		if k := s.top().kind; k == nestBody || k == nestBrace {
			s.separate()
		}
	case '<':
		if s.at(s.i) == '<' && s.heredocStart() {
			return
		}
		s.op()
	case '-':
		if !inIdent {
			s.op()
		}
	case '+', '*', '%', '!', '?', '>', '=', '&', '|':
		s.op()
	}
}

func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' }
func isDigit(c byte) bool  { return c >= '0' && c <= '9' }

// skipLine skips a comment up to its newline, which code reads next.
func (s *nestScanner) skipLine() {
	if j := bytes.IndexByte(s.src[s.i:], '\n'); j >= 0 {
		s.i += j
	} else {
		s.i = len(s.src)
	}
}

// heredocStart reads <<MARKER or <<-MARKER up to its newline, past the
// first <, and pushes the heredoc; false when this is no heredoc.
func (s *nestScanner) heredocStart() bool {
	j := s.i + 1
	if s.at(j) == '-' {
		j++
	}
	start := j
	for j < len(s.src) && (isLetter(s.src[j]) || j > start && (isDigit(s.src[j]) || s.src[j] == '-')) {
		j++
	}
	marker := s.src[start:j]
	if s.at(j) == '\r' {
		j++
	}
	if len(marker) == 0 || s.at(j) != '\n' {
		return false
	}
	s.i = j + 1
	s.push(nestFrame{kind: nestHeredoc, marker: marker})
	return true
}

// quoted reads one byte of a quoted string.
func (s *nestScanner) quoted() {
	switch c := s.src[s.i]; c {
	case '\\':
		s.i += 2
	case '"', '\n': // a newline ends an unterminated string, as in hcl
		s.i++
		s.pop()
		s.prev, s.inIdent = '"', false
	default:
		s.template(c)
	}
}

// heredoc reads one byte of a heredoc, or its closing line.
func (s *nestScanner) heredoc() {
	if s.i == 0 || s.src[s.i-1] == '\n' {
		end := bytes.IndexByte(s.src[s.i:], '\n')
		if end < 0 {
			end = len(s.src) - s.i
		}
		line := bytes.TrimSpace(s.src[s.i : s.i+end])
		if bytes.Equal(line, s.top().marker) {
			s.i += end // code reads the newline
			s.pop()
			return
		}
	}
	s.template(s.src[s.i])
}

// template reads one byte of a string's or heredoc's text: ${ and %{ open
// an interpolation, $${ and %%{ are escaped.
func (s *nestScanner) template(c byte) {
	s.i++
	if c != '$' && c != '%' {
		return
	}
	switch s.at(s.i) {
	case c:
		if s.at(s.i+1) == '{' {
			s.i += 2
		}
	case '{':
		s.i++
		if c == '%' {
			s.directive()
		}
		s.push(nestFrame{kind: nestInterp})
	}
}

// directive counts %{ if } and %{ for } as a level of the template they
// are in, until their %{ endif } or %{ endfor }: their bodies nest.
func (s *nestScanner) directive() {
	word := bytes.TrimLeft(s.src[s.i:min(len(s.src), s.i+16)], "~ \t\r\n")
	switch {
	case hasWord(word, "if"), hasWord(word, "for"):
		s.op()
	case (hasWord(word, "endif") || hasWord(word, "endfor")) && s.top().ops > 0:
		s.top().ops--
		s.depth--
	}
}

// hasWord reports whether b starts with the keyword w.
func hasWord(b []byte, w string) bool {
	return bytes.HasPrefix(b, []byte(w)) && (len(b) == len(w) || !isLetter(b[len(w)]) && !isDigit(b[len(w)]))
}

// posAt returns the position of byte off in src; columns count characters.
func posAt(src []byte, off int) hcl.Pos {
	off = max(0, min(off, len(src)))
	lineStart := bytes.LastIndexByte(src[:off], '\n') + 1
	return hcl.Pos{
		Line:   bytes.Count(src[:off], []byte("\n")) + 1,
		Column: utf8.RuneCount(src[lineStart:off]) + 1,
		Byte:   off,
	}
}
