package cmdline

import (
	"os/exec"
	"reflect"
	"strings"
	"testing"
)

func TestSplitWords(t *testing.T) {
	cases := []struct {
		in   string
		want []string
	}{
		{"/svc1/app/launcher start", []string{"/svc1/app/launcher", "start"}},
		{"  a \t b  ", []string{"a", "b"}},
		{`a 'b c' d`, []string{"a", "b c", "d"}},
		{`a "b c" d`, []string{"a", "b c", "d"}},
		{`a b\ c`, []string{"a", "b c"}},
		{`a 'it'\''s'`, []string{"a", "it's"}},
		{`a "say \"hi\""`, []string{"a", `say "hi"`}},
		{`a "back\\slash"`, []string{"a", `back\slash`}},
		{`a "keep\n"`, []string{"a", `keep\n`}},       // \n is not an escape inside double quotes
		{`a 'no\escape'`, []string{"a", `no\escape`}}, // nothing escapes inside single quotes
		{`a ''`, []string{"a", ""}},
		{`a ""`, []string{"a", ""}},
		{`a x""y`, []string{"a", "xy"}},
		{`a "b"'c'd`, []string{"a", "bcd"}},
		{"a \\\nb", []string{"a", "b"}}, // backslash-newline joins lines
		{`a \|`, []string{"a", "|"}},
		{`a '|' "&"`, []string{"a", "|", "&"}},
		{`naïve 'ünïcode'`, []string{"naïve", "ünïcode"}},
		{"  a\t b \n c \r\n", []string{"a", "b", "c"}}, // a newline ends a word too
		{"a 'line\nbreak'", []string{"a", "line\nbreak"}},
		{`sh -c 'echo "$HOME" > /tmp/x'`, []string{"sh", "-c", `echo "$HOME" > /tmp/x`}},
		{`echo "a \"b\" \\ \$x \n" c`, []string{"echo", `a "b" \ $x \n`, "c"}},
		{`''`, []string{""}},
		{`--bind=${ip}:80 'it''s'`, []string{"--bind=${ip}:80", "its"}},
	}
	for _, c := range cases {
		got, err := Split(c.in)
		if err != nil {
			t.Errorf("Split(%q): %v", c.in, err)
			continue
		}
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("Split(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestSplitErrors(t *testing.T) {
	cases := map[string]string{
		`a 'b`:   "unterminated single quote",
		`a "b`:   "unterminated double quote",
		`a "b\"`: "unterminated double quote",
		`a b\`:   "trailing backslash",
		``:       "empty command",
		"  \t ":  "empty command",
	}
	for in, want := range cases {
		_, err := Split(in)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Split(%q) error = %v, want %q", in, err, want)
		}
	}
}

func TestShellDetection(t *testing.T) {
	needs := []string{
		"a | b", "a && b", "a || b", "a; b", "a &", "a > out", "a < in", "(a)",
		"echo $HOME", "echo `date`", "ls *.log", "ls file?", "ls [ab]", "cd ~",
		"a\nb", `echo "$HOME"`, "echo \"`date`\"", "a #comment", "FOO=1 cmd", "_x1=y cmd",
	}
	for _, s := range needs {
		p, err := Parse(s)
		if err != nil {
			t.Fatalf("Parse(%q): %v", s, err)
		}
		if !p.NeedsShell {
			t.Errorf("Parse(%q) does not need a shell, want one", s)
		}
		if argv := p.Argv(s); !reflect.DeepEqual(argv, []string{Shell, "-c", s}) {
			t.Errorf("Argv(%q) = %q, want a shell", s, argv)
		}
	}
	plain := []string{
		"a b", `a '|' '$x'`, `a "|&;<>()*?[~"`, `a \$x \| \;`, "a b#c", "a x=y", "./x=y cmd",
		"'FOO'=1 cmd", "=x cmd", "a 'line\nbreak'",
	}
	for _, s := range plain {
		p, err := Parse(s)
		if err != nil {
			t.Fatalf("Parse(%q): %v", s, err)
		}
		if p.NeedsShell {
			t.Errorf("Parse(%q) needs a shell, want a plain exec", s)
		}
	}
}

func TestExplicitShellIsOnlySplit(t *testing.T) {
	for _, s := range []string{`sh -c 'echo $X | wc -c'`, `/bin/bash -c "a && b"`, `sh -c "echo $HOME"`, `dash -c 'x'`} {
		argv, err := Argv(s)
		if err != nil {
			t.Fatal(err)
		}
		words, _ := Split(s)
		if !reflect.DeepEqual(argv, words) || argv[1] != "-c" {
			t.Errorf("Argv(%q) = %q, want the words %q, not a wrapped shell", s, argv, words)
		}
	}
}

func TestExplicitShellWithOuterSyntaxIsWrapped(t *testing.T) {
	for _, s := range []string{`sh -c 'date' > out`, `sh -c echo $HOME`, `bash -c 'a' && b`} {
		argv, err := Argv(s)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(argv, []string{Shell, "-c", s}) {
			t.Errorf("Argv(%q) = %q, want it run by a shell", s, argv)
		}
	}
}

func TestJoinRoundTrip(t *testing.T) {
	argvs := [][]string{
		{"/svc1/app/launcher", "start"},
		{"echo", "it's", "a b", "", `back\slash`, "$HOME", "tab\there", "new\nline", "ünï"},
	}
	for _, argv := range argvs {
		line := Join(argv)
		got, err := Split(line)
		if err != nil {
			t.Fatalf("Split(Join(%q)) = %v", argv, err)
		}
		if !reflect.DeepEqual(got, argv) {
			t.Errorf("Split(%q) = %q, want %q", line, got, argv)
		}
	}
	if got := Join([]string{"/svc1/app/launcher", "start"}); got != "/svc1/app/launcher start" {
		t.Errorf("Join quoted a plain argv: %q", got)
	}
}

// TestAgreesWithShell compares the splitter with what /bin/sh passes to a
// command, for strings that need no shell.
func TestAgreesWithShell(t *testing.T) {
	if _, err := exec.LookPath("sh"); err != nil {
		t.Skip("no sh on this machine")
	}
	for _, s := range []string{
		`printf '%s\n' a 'b c' "d \"e\" \\f" g\ h 'i'\''j' "" x""y`,
		`printf '%s\n' "keep\n" 'no\esc' "a\$b"`,
	} {
		out, err := exec.Command("sh", "-c", s).Output()
		if err != nil {
			t.Fatalf("sh -c %q: %v", s, err)
		}
		want := strings.Split(strings.TrimSuffix(string(out), "\n"), "\n")
		got, err := Split(s)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got[2:], want) {
			t.Errorf("Split(%q) = %q, sh gives %q", s, got[2:], want)
		}
	}
}

// A heredoc's command ends in a newline: the program is the first word
// without it (the app driver checks that file exists before it starts).
func TestTrailingNewlineEndsTheWord(t *testing.T) {
	p, err := Parse("/opt/app/start\n")
	if err != nil || !reflect.DeepEqual(p.Words, []string{"/opt/app/start"}) || !p.NeedsShell {
		t.Errorf("Parse of a heredoc line = %q, shell %v, %v; want [/opt/app/start] run by a shell", p.Words, p.NeedsShell, err)
	}
}

func FuzzSplitJoin(f *testing.F) {
	f.Add(`a 'b c' "d\"e" f\ g`)
	f.Fuzz(func(t *testing.T, s string) {
		ws, err := Split(s)
		if err != nil {
			return
		}
		back, err := Split(Join(ws))
		if err != nil || !reflect.DeepEqual(back, ws) {
			t.Fatalf("%q: split %q, joined and split back %q (%v)", s, ws, back, err)
		}
	})
}
