package app

import (
	"reflect"
	"strings"
	"testing"

	"github.com/omhcl/omhcl/providers"
)

func TestParseRetcodes(t *testing.T) {
	cases := map[string]retcodes{
		"0:up 1:down":                  {0: providers.Up, 1: providers.Down},
		" 0:up\t1:down  3:n/a 4:warn ": {0: providers.Up, 1: providers.Down, 3: providers.NA, 4: providers.Warn},
		"0:stdby up 1:down 2:undef":    {0: providers.StdbyUp, 1: providers.Down, 2: providers.Undef},
		"255:down":                     {255: providers.Down},
	}
	for in, want := range cases {
		got, err := parseRetcodes(in)
		if err != nil {
			t.Errorf("parseRetcodes(%q): %v", in, err)
			continue
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("parseRetcodes(%q) = %v, want %v", in, got, want)
		}
	}
}

func TestParseRetcodesErrors(t *testing.T) {
	cases := map[string]string{
		"":             "no CODE:STATE",
		"0:up 1":       `"1" is not CODE:STATE`,
		"x:up":         "not a number",
		"256:up":       "not a number from 0 to 255",
		"-1:up":        "not a number",
		"0:up 0:down":  "mapped twice",
		"0:running":    `unknown state "running"`,
		"0:stdby down": `unknown state "stdby down"`,
		"0:":           `unknown state ""`,
	}
	for in, want := range cases {
		_, err := parseRetcodes(in)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("parseRetcodes(%q) error = %v, want %q", in, err, want)
		}
	}
}

func TestRetcodesStatus(t *testing.T) {
	rc, err := parseRetcodes("0:up 1:down 3:n/a")
	if err != nil {
		t.Fatal(err)
	}
	if st := rc.status(3); st.State != providers.NA || len(st.Messages) != 0 {
		t.Errorf("status(3) = %+v", st)
	}
	st := rc.status(7)
	if st.State != providers.Warn || len(st.Messages) != 1 || st.Messages[0] != "check exit code 7" {
		t.Errorf("status(7) = %+v, want warn with the code", st)
	}
}
