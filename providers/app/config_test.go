package app

import (
	"context"
	"io"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/omhcl/omhcl/providers"
	"github.com/zclconf/go-cty/cty"
)

func TestConfigErrors(t *testing.T) {
	cases := []struct {
		attrs map[string]string
		want  string
	}{
		{map[string]string{"stop": "x"}, "start: a start command is required"},
		{map[string]string{"start": "   "}, "start: a start command is required"},
		{map[string]string{"start": "run 'oops"}, "start: unterminated single quote"},
		{map[string]string{"start": "x", "check": `a "b`}, "check: unterminated double quote"},
		{map[string]string{"start": "x", "retcodes": "0:up 1:gone"}, `retcodes: "0:up 1:gone": unknown state "gone"`},
		{map[string]string{"start": "x", "timeout": "soon"}, `timeout: "soon" is not a positive duration`},
		{map[string]string{"start": "x", "stop_timeout": "-1s"}, `stop_timeout: "-1s" is not a positive duration`},
		{map[string]string{"start": "x", "kill_timeout": "0s"}, `kill_timeout: "0s" is not a positive duration`},
		{map[string]string{"start": "x", "umask": "999"}, `umask: "999" is not an octal mode`},
		{map[string]string{"start": "x", "umask": "1777"}, `umask: "1777" is not an octal mode`},
	}
	for _, c := range cases {
		r := testResource(t, "simple", c.attrs)
		if c.attrs["start"] == "" && c.attrs["stop"] != "" {
			delete(r.Attrs, "start")
		}
		_, err := newSimple(r)
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.HasPrefix(err.Error(), "app#web: ") {
			t.Errorf("New(%v) error = %v, want %q", c.attrs, err, c.want)
		}
	}
	r := testResource(t, "forking", map[string]string{"start": "x"})
	r.Attrs["environment"] = mapVal(map[string]string{"A=B": "1"})
	if _, err := newForking(r); err == nil || !strings.Contains(err.Error(), `environment: variable "A=B"`) {
		t.Errorf("bad variable name accepted: %v", err)
	}
}

func TestConfigTimeoutDefaults(t *testing.T) {
	cases := []struct {
		attrs                    map[string]string
		start, stop, check, kill time.Duration
	}{
		{map[string]string{}, 60 * time.Second, 60 * time.Second, 10 * time.Second, 10 * time.Second},
		{map[string]string{"timeout": "5s"}, 5 * time.Second, 5 * time.Second, 5 * time.Second, 10 * time.Second},
		{map[string]string{"timeout": "2m", "start_timeout": "1s", "check_timeout": "30s", "kill_timeout": "3s"}, time.Second, 2 * time.Minute, 30 * time.Second, 3 * time.Second},
	}
	for _, c := range cases {
		c.attrs["start"] = "x"
		cfg, err := parseConfig(testResource(t, "simple", c.attrs))
		if err != nil {
			t.Fatal(err)
		}
		got := []time.Duration{cfg.startTimeout, cfg.stopTimeout, cfg.checkTimeout, cfg.killTimeout}
		if want := []time.Duration{c.start, c.stop, c.check, c.kill}; !reflect.DeepEqual(got, want) {
			t.Errorf("%v: timeouts %v, want %v", c.attrs, got, want)
		}
	}
}

// TestUnknownAttributes: during planning attributes may hold values known
// only after apply; the driver must plan with them and refuse to run.
func TestUnknownAttributes(t *testing.T) {
	for _, typ := range []string{"forking", "simple"} {
		r := testResource(t, typ, map[string]string{"stop": "x stop", "check": "x status"})
		r.Attrs["start"] = cty.UnknownVal(cty.String)
		d := newTestDriver(t, r)
		ctx := context.Background()
		if got := d.Describe(); got != typ+": "+providers.Unknown {
			t.Errorf("%s: Describe = %q", typ, got)
		}
		if st := d.Status(ctx); st.State != providers.Down {
			t.Errorf("%s: Status = %+v, want down", typ, st)
		}
		want := []string{"exec " + providers.Unknown + " as user " + me()}
		if ops := d.Operations(ctx, providers.ActStart); !reflect.DeepEqual(ops, want) {
			t.Errorf("%s: Operations(start) = %q, want %q", typ, ops, want)
		}
		if ops := d.Operations(ctx, providers.ActStop); len(ops) != 1 || !strings.Contains(ops[0], "x stop") {
			t.Errorf("%s: Operations(stop) = %q, want the stop command", typ, ops)
		}
		if err := d.Start(ctx, providers.NewLog(io.Discard)); err == nil || !strings.Contains(err.Error(), "not known yet: start") {
			t.Errorf("%s: Start error = %v", typ, err)
		}
		r.Attrs["user"] = cty.UnknownVal(cty.String)
		r.Attrs["start"] = cty.StringVal("/opt/x start")
		want = []string{"exec /opt/x start as user " + providers.Unknown}
		if ops := d.Operations(ctx, providers.ActStart); !reflect.DeepEqual(ops, want) {
			t.Errorf("%s: Operations(start) = %q, want %q", typ, ops, want)
		}
	}
}

func TestFormatElapsed(t *testing.T) {
	cases := map[time.Duration]string{
		213427 * time.Microsecond:                     "0:00:00.213427",
		time.Hour + 2*time.Minute + 3*time.Second + 4: "1:02:03.000000",
		26 * time.Hour:                                "26:00:00.000000",
	}
	for d, want := range cases {
		if got := formatElapsed(d); got != want {
			t.Errorf("formatElapsed(%s) = %q, want %q", d, got, want)
		}
	}
}
