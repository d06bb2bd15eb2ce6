package shellwords

import (
	"slices"
	"testing"
)

func TestSplit(t *testing.T) {
	for in, want := range map[string][]string{
		"/bin/sleep 100":                {"/bin/sleep", "100"},
		"  a\t b \n c ":                 {"a", "b", "c"},
		`sh -c 'echo "$HOME" > /tmp/x'`: {"sh", "-c", `echo "$HOME" > /tmp/x`},
		`echo "a \"b\" \\ \$x \n" c`:    {"echo", `a "b" \ $x \n`, "c"},
		`a\ b c\'d`:                     {"a b", "c'd"},
		`''`:                            {""},
		`x""y`:                          {"xy"},
		"":                              nil,
		"a \\\nb":                       {"a", "b"},
		`--bind=${ip}:80 'it''s'`:       {"--bind=${ip}:80", "its"},
	} {
		got, err := Split(in)
		if err != nil || !slices.Equal(got, want) {
			t.Errorf("Split(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{`'open`, `"open`, `trailing\`, `a "b\"`} {
		if _, err := Split(bad); err == nil {
			t.Errorf("Split(%q): no error", bad)
		}
	}
}

func TestJoinSplitsBack(t *testing.T) {
	for _, ws := range [][]string{
		{"/bin/sh", "-c", "echo 'hi' \"there\" $X"},
		{"", "a b", "{ip#web.ipaddr}:8080", "it's", "\\"},
	} {
		got, err := Split(Join(ws))
		if err != nil || !slices.Equal(got, ws) {
			t.Errorf("Split(Join(%q)) = %q, %v", ws, got, err)
		}
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
		if err != nil || !slices.Equal(back, ws) && !(len(back) == 0 && len(ws) == 0) {
			t.Fatalf("%q: split %q, joined and split back %q (%v)", s, ws, back, err)
		}
	})
}
