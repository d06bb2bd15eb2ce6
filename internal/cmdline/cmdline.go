// Package cmdline turns a command string from a configuration into the argv
// to execute.
//
// Strings are split into words like a POSIX shell does, without any
// expansion: blanks (space, tab, carriage return) separate words, and so
// does a newline, which as a command separator also asks for a shell;
// single quotes keep everything literal,
// double quotes keep everything but a backslash before $ ` " \ or a newline,
// and outside quotes a backslash makes the next character literal.
//
// A shell (/bin/sh -c STRING) runs the string only when it asks for one: when
// it holds shell syntax outside quotes (| & ; < > ( ) $ ` * ? [ ~ or a
// newline, which covers && and ||), a $ or ` inside double quotes (they
// expand there too), a word starting with # (a comment), or a first word
// that assigns a variable (FOO=1 cmd). A string that already starts with
// "sh -c" or "bash -c" (or dash) is only split, unless shell syntax follows
// outside quotes: "sh -c 'x' > out" runs in a shell, as typed at a prompt.
package cmdline

import (
	"errors"
	"fmt"
	"path"
	"strings"
)

// Shell is the interpreter used for strings that need one.
const Shell = "/bin/sh"

// ErrEmpty is returned for a command with no words.
var ErrEmpty = errors.New("empty command")

// shellChars are the characters that mean shell syntax outside quotes.
const shellChars = "|&;<>()$`*?[~\n"

// Parsed is a command string split into words.
type Parsed struct {
	Words []string
	// NeedsShell reports that the string uses shell syntax, so it must run
	// through /bin/sh -c to mean what its author meant.
	NeedsShell bool
	// unquotedSyntax reports shell syntax outside quotes (not only a $ or `
	// inside double quotes).
	unquotedSyntax bool
}

// Argv returns the argv to execute for the command string s.
func Argv(s string) ([]string, error) {
	p, err := Parse(s)
	if err != nil {
		return nil, err
	}
	return p.Argv(s), nil
}

// Argv returns the words, or a shell running s when s needs one.
func (p Parsed) Argv(s string) []string {
	if p.NeedsShell && (p.unquotedSyntax || !p.isShellCommand()) {
		return []string{Shell, "-c", s}
	}
	return p.Words
}

func (p Parsed) isShellCommand() bool {
	if len(p.Words) < 2 || p.Words[1] != "-c" {
		return false
	}
	switch path.Base(p.Words[0]) {
	case "sh", "bash", "dash":
		return true
	}
	return false
}

// Parse splits s into words and detects whether it needs a shell.
func Parse(s string) (Parsed, error) {
	sp := splitter{}
	if err := sp.run(s); err != nil {
		return Parsed{}, err
	}
	if len(sp.words) == 0 {
		return Parsed{}, ErrEmpty
	}
	return Parsed{Words: sp.words, NeedsShell: sp.shell || sp.unquotedSyntax, unquotedSyntax: sp.unquotedSyntax}, nil
}

// Split splits s into words, with no shell detection.
func Split(s string) ([]string, error) {
	p, err := Parse(s)
	return p.Words, err
}

type splitter struct {
	words  []string
	cur    strings.Builder
	inWord bool
	shell  bool // a $ or ` inside double quotes
	// unquotedSyntax is shell syntax outside quotes.
	unquotedSyntax bool
	quoted         bool // the current word holds quoted or escaped characters
}

func (sp *splitter) run(s string) error {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\r':
			sp.endWord()
		case c == '\n':
			// a command separator: a shell runs the string, and the
			// words end there ("/opt/app/start\n" from a heredoc names
			// the program /opt/app/start)
			sp.unquotedSyntax = true
			sp.endWord()
		case c == '\'':
			end := strings.IndexByte(s[i+1:], '\'')
			if end < 0 {
				return fmt.Errorf("unterminated single quote at offset %d in %q", i, s)
			}
			sp.addQuoted(s[i+1 : i+1+end])
			i += end + 1
		case c == '"':
			n, err := sp.doubleQuoted(s, i)
			if err != nil {
				return err
			}
			i = n
		case c == '\\':
			if i+1 >= len(s) {
				return fmt.Errorf("trailing backslash in %q", s)
			}
			i++
			if s[i] != '\n' { // backslash-newline continues the line
				sp.addQuoted(s[i : i+1])
			}
		default:
			sp.unquoted(s[i : i+1])
		}
	}
	sp.endWord()
	return nil
}

// doubleQuoted consumes the double-quoted text opening at s[start] and
// returns the index of the closing quote.
func (sp *splitter) doubleQuoted(s string, start int) (int, error) {
	sp.addQuoted("")
	for i := start + 1; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"':
			return i, nil
		case c == '\\' && i+1 < len(s) && strings.IndexByte("$`\"\\\n", s[i+1]) >= 0:
			i++
			if s[i] != '\n' {
				sp.addQuoted(s[i : i+1])
			}
		default:
			if c == '$' || c == '`' {
				sp.shell = true
			}
			sp.addQuoted(s[i : i+1])
		}
	}
	return 0, fmt.Errorf("unterminated double quote at offset %d in %q", start, s)
}

// unquoted adds one byte met outside quotes.
func (sp *splitter) unquoted(b string) {
	c := b[0]
	if strings.IndexByte(shellChars, c) >= 0 || (c == '#' && !sp.inWord) {
		sp.unquotedSyntax = true
	}
	if c == '=' && len(sp.words) == 0 && !sp.quoted && isName(sp.cur.String()) {
		sp.unquotedSyntax = true // FOO=1 cmd: a variable assignment
	}
	sp.add(b)
}

func (sp *splitter) add(s string) {
	sp.inWord = true
	sp.cur.WriteString(s)
}

func (sp *splitter) addQuoted(s string) {
	sp.quoted = true
	sp.add(s)
}

// isName reports whether s is a shell variable name.
func isName(s string) bool {
	if s == "" || s[0] >= '0' && s[0] <= '9' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

func (sp *splitter) endWord() {
	if !sp.inWord {
		return
	}
	sp.words = append(sp.words, sp.cur.String())
	sp.cur.Reset()
	sp.inWord = false
	sp.quoted = false
}

// Join renders argv as a command line a shell would split back into argv,
// quoting only the words that need it. It is for logs and plans.
func Join(argv []string) string {
	out := make([]string, len(argv))
	for i, w := range argv {
		out[i] = Quote(w)
	}
	return strings.Join(out, " ")
}

// Quote returns w single-quoted when a shell would not read it as one
// literal word.
func Quote(w string) string {
	if w == "" {
		return "''"
	}
	safe := true
	for i := 0; i < len(w); i++ {
		c := w[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("_@%+=:,./-", c) >= 0) {
			safe = false
			break
		}
	}
	if safe {
		return w
	}
	return "'" + strings.ReplaceAll(w, "'", `'\''`) + "'"
}
