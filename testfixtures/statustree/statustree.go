// Package statustree reads om's status tree as the end-to-end tests see
// it: a resource's line, and a line's columns.
package statustree

import (
	"slices"
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

// CheckFolded checks a node's status tree of a service with a level
// inside container: container, the resources inside and the others up;
// the E flag (the fifth) on the resources inside alone; those folded
// under the container's line (drawn deeper).
func CheckFolded(t testing.TB, tree, container string, inside []string, others ...string) {
	t.Helper()
	all := append(append([]string{container}, inside...), others...)
	for _, rid := range all {
		flags, st := FlagsAndStatus(t, tree, rid)
		if st != "up" {
			t.Errorf("%s is %s, want up:\n%s", rid, st, tree)
		}
		in := rid != container && !slices.Contains(others, rid)
		if len(flags) < 5 || (flags[4] == 'E') != in {
			t.Errorf("%s flags %q: E flag wrong (inside %s: %v):\n%s", rid, flags, container, in, tree)
		}
	}
	depth := func(rid string) int { l := MustLine(t, tree, rid); return strings.Index(l, rid) }
	for _, rid := range inside {
		if depth(rid) <= depth(container) {
			t.Errorf("%s is not folded under %s:\n%s", rid, container, tree)
		}
	}
}
