// Package statustree reads om's status tree as the end-to-end tests see
// it: a resource's line, and a line's columns.
package statustree

import (
	"strings"
	"testing"
)

// Line returns the line of rid in tree, at any depth; "" when none.
func Line(tree, rid string) string {
	for _, l := range strings.Split(tree, "\n") {
		if f := Fields(l); len(f) >= 1 && f[0] == rid {
			return l
		}
	}
	return ""
}

// Fields are a tree line's fields after its branches ("|", "|-", "`-").
func Fields(line string) []string {
	f := strings.Fields(line)
	for len(f) > 0 && strings.Trim(f[0], "|`-") == "" {
		f = f[1:]
	}
	return f
}

// MustLine is Line, failing t when tree has no line for rid.
func MustLine(t testing.TB, tree, rid string) string {
	t.Helper()
	l := Line(tree, rid)
	if l == "" {
		t.Fatalf("no line for %s in status:\n%s", rid, tree)
	}
	return l
}

// FlagsAndStatus returns the flags and status columns of rid's line.
func FlagsAndStatus(t testing.TB, tree, rid string) (string, string) {
	t.Helper()
	f := Fields(MustLine(t, tree, rid))
	if len(f) < 3 {
		t.Fatalf("short status line for %s: %q", rid, f)
	}
	return f[1], f[2]
}
