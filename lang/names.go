package lang

import (
	"fmt"
	"sort"
	"strings"

	"github.com/agext/levenshtein"
	"github.com/hashicorp/hcl/v2"
	"github.com/omhcl/omhcl/internal/names"
)

// namePattern is what service, resource and node names must match: they end
// up in rids, paths and command lines (the rule of every entry path:
// internal/names).
var namePattern = names.Pattern

func validName(s string) bool { return names.Valid(s) }

// suggest returns the candidate closest to given, or "" when none is close
// enough to be a plausible typo (same threshold as hcl's own suggestions).
func suggest(given string, candidates []string) string {
	best, bestDist := "", 3
	for _, c := range candidates {
		if d := levenshtein.Distance(given, c, nil); d < bestDist {
			best, bestDist = c, d
		}
	}
	return best
}

// didYouMean formats a suggestion as a sentence to append to a detail.
func didYouMean(given string, candidates []string) string {
	if s := suggest(given, candidates); s != "" {
		return fmt.Sprintf(" Did you mean %q?", s)
	}
	return ""
}

// quotedList renders names sorted as `"a", "b"` for diagnostics.
func quotedList(names []string) string {
	s := append([]string(nil), names...)
	sort.Strings(s)
	q := make([]string, len(s))
	for i, n := range s {
		q[i] = fmt.Sprintf("%q", n)
	}
	return strings.Join(q, ", ")
}

// at renders a range start as "file:line,column" for details pointing at a
// previous definition.
func at(r hcl.Range) string {
	return fmt.Sprintf("%s:%d,%d", r.Filename, r.Start.Line, r.Start.Column)
}

func errorf(subject hcl.Range, summary, format string, args ...any) *hcl.Diagnostic {
	return &hcl.Diagnostic{
		Severity: hcl.DiagError,
		Summary:  summary,
		Detail:   fmt.Sprintf(format, args...),
		Subject:  subject.Ptr(),
	}
}

// errorIn is errorf with a context range (the whole attribute or block) around
// the subject, so snippets show the surrounding code.
func errorIn(subject, context hcl.Range, summary, format string, args ...any) *hcl.Diagnostic {
	d := errorf(subject, summary, format, args...)
	d.Context = context.Ptr()
	return d
}

// duplicate reports a second definition, naming where the first one is.
func duplicate(summary, what string, second, first hcl.Range) *hcl.Diagnostic {
	return errorf(second, summary, "%s was already defined at %s.", what, at(first))
}
