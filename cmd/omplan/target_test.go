package main

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/omhcl/omhcl/plan"
)

// apps: b depends on a, c stands alone; every app is down (its check
// fails).
const apps = `service "svc" {
  nodes = ["n1"]

  app "a" {
    start = "true"
    check = "false"
  }

  app "b" {
    start      = "true"
    check      = "false"
    depends_on = [app.a]
  }

  app "c" {
    start = "true"
    check = "false"
  }
}
`

func planned(t *testing.T, stdout string) []string {
	t.Helper()
	var doc plan.Plan
	if err := json.Unmarshal([]byte(stdout), &doc); err != nil {
		t.Fatalf("-json: %v\n%s", err, stdout)
	}
	var out []string
	for _, c := range doc.Changes {
		out = append(out, c.Address)
	}
	return out
}

// -target ADDR plans the resource and what it depends on, by the address
// the plan prints; -desired says the state; the old -target STATE still
// works, with a warning, unless a service has that name.
func TestTargetAndDesired(t *testing.T) {
	dir := config(t, apps)
	state := t.TempDir()
	stdout, _, code := omplan(t, "--node", "n1", "--state-dir", state, "-json", "-target", "svc.app#b", dir)
	if got := planned(t, stdout); code != 0 || !slices.Equal(got, []string{"svc.app#a", "svc.app#b"}) {
		t.Errorf("-target svc.app#b: exit %d, planned %q; want svc.app#a (its dependency) and svc.app#b", code, got)
	}
	stdout, _, _ = omplan(t, "--node", "n1", "--state-dir", state, "-json", "-target", "svc.app#c", "-target", "svc.app#a", dir)
	if got := planned(t, stdout); !slices.Equal(got, []string{"svc.app#a", "svc.app#c"}) {
		t.Errorf("-target svc.app#c -target svc.app#a: planned %q", got)
	}
	stdout, _, _ = omplan(t, "--node", "n1", "--state-dir", state, "-target", "svc.app#b", dir)
	if !strings.Contains(stdout, "# svc.app#b will be started") || strings.Contains(stdout, "svc.app#c") {
		t.Errorf("-target svc.app#b: the text plan should show svc.app#b, not svc.app#c")
	}
	stdout, stderr, code := omplan(t, "--node", "n1", "--state-dir", state, "-target=down", dir)
	if code != 0 || !strings.Contains(stderr, "Warning: -target down names a desired state: write -desired down") || !strings.Contains(stdout, "No changes.") {
		t.Errorf("-target=down: exit %d; want the deprecation warning and the plan toward down (no changes)", code)
	}
	for _, tc := range []struct{ args, err string }{
		{"-target svc.app#x", "-target svc.app#x: no such resource (the resources: svc.app#a, svc.app#b, svc.app#c)"},
		{"-target other.app#a", `-target other.app#a: no service "other" in the configuration`},
		{"-target svc.app#a --rid app#a", "-target and --rid/--tag do not combine"},
		{"-target svc.app#a --service nope", "service svc is not among --service nope"},
		{"-desired sideways", `invalid -desired "sideways"`},
		{"-desired up -target down", "-target down (the deprecated spelling of -desired down) contradicts -desired up"},
	} {
		args := append([]string{"--node", "n1", "--state-dir", state}, strings.Fields(tc.args)...)
		if _, stderr, code := omplan(t, append(args, dir)...); code != 1 || !strings.Contains(stderr, tc.err) {
			t.Errorf("omplan %s: exit %d, stderr %q; want 1 and %q", tc.args, code, stderr, tc.err)
		}
	}
	ambiguous := config(t, strings.Replace(apps, `service "svc"`, `service "up"`, 1))
	if _, stderr, code := omplan(t, "--node", "n1", "--state-dir", state, "-target", "up", ambiguous); code != 1 || !strings.Contains(stderr, "-target up is ambiguous") {
		t.Errorf("-target up with a service named up: exit %d; want 1 and the ambiguity", code)
	}
}
