// Package scripts holds no Go code: its tests check that docs/testing.md
// (where the README sends a reader who asks what make test installs)
// tells the truth about scripts/setup.sh, whose package list is the one
// list, and that the packaging targets lay out what they say.
package scripts

import (
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// readmeListStart opens the paragraph of docs/testing.md that lists
// setup.sh's packages.
const readmeListStart = "The packages `scripts/setup.sh` installs when they are missing:"

// scriptPackages is what `setup.sh --list` prints: the script's own list.
func scriptPackages(t *testing.T) []string {
	t.Helper()
	out, err := exec.Command("bash", "setup.sh", "--list").Output()
	if err != nil {
		t.Fatalf("setup.sh --list: %v", err)
	}
	return strings.Fields(string(out))
}

// readmePackages returns the code spans of the README paragraph opened by
// readmeListStart up to its first parenthesis, in order.
func readmePackages(readme string) ([]string, bool) {
	_, rest, ok := strings.Cut(readme, readmeListStart)
	if !ok {
		return nil, false
	}
	para, _, _ := strings.Cut(rest, "\n\n")
	list, _, _ := strings.Cut(para, "(")
	var pkgs []string
	for _, m := range regexp.MustCompile("`([^`]+)`").FindAllStringSubmatch(list, -1) {
		pkgs = append(pkgs, m[1])
	}
	return pkgs, true
}

func TestReadmeListsTheSetupPackages(t *testing.T) {
	readme, err := os.ReadFile("../docs/testing.md")
	if err != nil {
		t.Fatal(err)
	}
	want := scriptPackages(t)
	if len(want) == 0 {
		t.Fatal("setup.sh --list printed no package")
	}
	got, ok := readmePackages(string(readme))
	if !ok {
		t.Fatalf("docs/testing.md has no paragraph starting %q", readmeListStart)
	}
	if !slices.Equal(got, want) {
		var missing, extra []string
		for _, p := range want {
			if !slices.Contains(got, p) {
				missing = append(missing, p)
			}
		}
		for _, p := range got {
			if !slices.Contains(want, p) {
				extra = append(extra, p)
			}
		}
		t.Errorf("docs/testing.md lists the packages\n  %s\nscripts/setup.sh's PACKAGES are\n  %s\n(missing from docs/testing.md: %v; not in the script: %v; else the order differs)",
			strings.Join(got, " "), strings.Join(want, " "), missing, extra)
	}

	// The sample output lines count the packages too.
	counts := regexp.MustCompile(`(\d+) packages\s+present`).FindAllStringSubmatch(string(readme), -1)
	if len(counts) == 0 {
		t.Error(`docs/testing.md shows no "N packages present" line of setup.sh`)
	}
	for _, m := range counts {
		if n, _ := strconv.Atoi(m[1]); n != len(want) {
			t.Errorf("docs/testing.md says %q, setup.sh has %d packages", m[0], len(want))
		}
	}
}

func TestReadmePackagesParagraph(t *testing.T) {
	para := readmeListStart + " `a`,\n`b.io` (`not-this`)\n\n`nor-this`"
	got, ok := readmePackages("intro\n\n" + para)
	if !ok || !slices.Equal(got, []string{"a", "b.io"}) {
		t.Errorf("readmePackages = %q, %v; want [a b.io], true", got, ok)
	}
	if _, ok := readmePackages("no such paragraph"); ok {
		t.Error("readmePackages found a paragraph in a text without one")
	}
}
