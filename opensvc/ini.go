// Package opensvc converts an OpenSVC service configuration (the agent's
// v2 and v3 INI files: <OSVCETC>/NAME.conf) into omhcl HCL, formatted as
// `omplan fmt` formats it.
//
// The INI reader is written by hand (100 lines) rather than taken from a
// library: OpenSVC's files need what general INI readers do not give
// together, and some take away: keys kept with their @scope
// (ipname@node1, nodes@encapnodes) instead of being rejected or folded,
// {rid.keyword} left as written for this package to turn into
// references, values continued on indented lines as Python's configparser
// (the v2 agent) reads them, comments kept at their place, and the line
// of every key for the notes. A configuration copied out of the agent's
// documentation, indented as a whole, is read too. No INI library is
// served to this project's builds anyway.
//
// What has no equivalent in omhcl is never dropped: it is kept in the HCL,
// commented out at its place, with the reason, and listed in
// Result.Notes.
package opensvc

import (
	"strings"
)

// entry is one key = value of a section, or a comment line (key "").
type entry struct {
	key     string // without the scope
	scope   string // after @, "" when unscoped
	value   string
	line    int
	comment string // a comment line, without its # or ;
}

// section is one [NAME] of the file; the keys before any header are read
// as [DEFAULT] (a configuration copied without its header).
type section struct {
	name    string
	line    int
	entries []entry
}

// parsed is the file: its sections in order, and the lines that are
// neither a header, a key, a comment nor a continuation.
type parsed struct {
	sections []*section
	bad      []entry // lines not understood, as comments
}

// parseINI reads src. It never fails: a line it cannot read is kept in
// bad.
func parseINI(src string) *parsed {
	lines := strings.Split(strings.ReplaceAll(src, "\r\n", "\n"), "\n")
	indent := commonIndent(lines)
	p := &parsed{}
	var cur *section
	var last *entry // the key a continuation line adds to
	get := func() *section {
		if cur == nil {
			cur = &section{name: "DEFAULT", line: 1}
			p.sections = append(p.sections, cur)
		}
		return cur
	}
	for i, raw := range lines {
		n := i + 1
		if len(raw) >= indent {
			raw = raw[indent:]
		}
		trimmed := strings.TrimSpace(raw)
		switch {
		case trimmed == "":
			last = nil
		case raw[0] == ' ' || raw[0] == '\t':
			if last != nil { // a value continued (configparser)
				last.value += "\n" + trimmed
				continue
			}
			fallthrough
		default:
			switch {
			case trimmed[0] == '#' || trimmed[0] == ';':
				get().entries = append(get().entries, entry{line: n, comment: strings.TrimSpace(trimmed[1:])})
				last = nil
			case trimmed[0] == '[' && strings.HasSuffix(trimmed, "]"):
				name := strings.TrimSpace(trimmed[1 : len(trimmed)-1])
				cur = nil
				for _, s := range p.sections { // a header repeated adds to its section
					if s.name == name {
						cur = s
					}
				}
				if cur == nil {
					cur = &section{name: name, line: n}
					p.sections = append(p.sections, cur)
				}
				last = nil
			default:
				k, v, ok := strings.Cut(trimmed, "=")
				key := strings.TrimSpace(k)
				if !ok || key == "" || strings.ContainsAny(key, " \t[]") {
					p.bad = append(p.bad, entry{line: n, comment: trimmed})
					last = nil
					continue
				}
				e := entry{key: key, value: strings.TrimSpace(v), line: n}
				if base, scope, ok := strings.Cut(key, "@"); ok {
					e.key, e.scope = base, scope
				}
				s := get()
				s.entries = append(s.entries, e)
				last = &s.entries[len(s.entries)-1]
			}
		}
	}
	return p
}

// commonIndent is the indentation every non-blank line shares: a
// configuration copied out of the documentation, where it is indented as
// a whole.
func commonIndent(lines []string) int {
	indent := -1
	for _, l := range lines {
		if strings.TrimSpace(l) == "" {
			continue
		}
		n := len(l) - len(strings.TrimLeft(l, " \t"))
		if indent < 0 || n < indent {
			indent = n
		}
	}
	return max(indent, 0)
}
