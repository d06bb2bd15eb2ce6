// Package shellwords splits a command line into words as a POSIX shell
// would, without running one: blanks separate words, single quotes keep
// everything, double quotes keep everything but \" \\ \$ \` and an escaped
// newline, a backslash outside quotes keeps the next character. Nothing is
// expanded: $VAR, globs and ~ stay as written, as in docker-compose's
// command: "..." strings. It is written here (70 lines) rather than taken
// from a library: the one served (google/shlex) has not been maintained
// since 2019 and splits differently from a shell on backslashes in
// double quotes.
package shellwords

import (
	"errors"
	"strings"
)

// ErrUnterminated is returned for a quote left open or a trailing
// backslash.
var ErrUnterminated = errors.New("unterminated quote or trailing backslash")

// Split splits s into words.
func Split(s string) ([]string, error) {
	var words []string
	var cur strings.Builder
	inWord := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			if inWord {
				words = append(words, cur.String())
				cur.Reset()
				inWord = false
			}
		case c == '\\':
			if i+1 >= len(s) {
				return nil, ErrUnterminated
			}
			i++
			if s[i] != '\n' { // an escaped newline joins lines
				cur.WriteByte(s[i])
			}
			inWord = true
		case c == '\'':
			j := strings.IndexByte(s[i+1:], '\'')
			if j < 0 {
				return nil, ErrUnterminated
			}
			cur.WriteString(s[i+1 : i+1+j])
			i += j + 1
			inWord = true
		case c == '"':
			i++
			for ; i < len(s) && s[i] != '"'; i++ {
				if s[i] == '\\' && i+1 < len(s) && strings.IndexByte("\"\\$`\n", s[i+1]) >= 0 {
					i++
					if s[i] == '\n' {
						continue
					}
				}
				cur.WriteByte(s[i])
			}
			if i >= len(s) {
				return nil, ErrUnterminated
			}
			inWord = true
		default:
			cur.WriteByte(c)
			inWord = true
		}
	}
	if inWord {
		words = append(words, cur.String())
	}
	return words, nil
}

// Quote returns w as one word Split reads back: as is when it holds
// nothing special, else in single quotes.
func Quote(w string) string {
	if w != "" && strings.IndexFunc(w, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./:=,+@%{}[]#", r))
	}) < 0 {
		return w
	}
	return "'" + strings.ReplaceAll(w, "'", `'\''`) + "'"
}

// Join quotes each word and joins them with spaces: Split(Join(ws)) is ws.
func Join(words []string) string {
	q := make([]string, len(words))
	for i, w := range words {
		q[i] = Quote(w)
	}
	return strings.Join(q, " ")
}
