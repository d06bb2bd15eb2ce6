package plan_test

import (
	"slices"
	"testing"

	"github.com/omhcl/omhcl/plan"
	"github.com/omhcl/omhcl/providers"
)

// -target takes a resource with what it refers to when it goes up, and
// with what refers to it when it goes down; the kind order is no
// dependency (fs#app does not bring ip#0 up).
func TestTargetsTakeDependenciesUpAndDependentsDown(t *testing.T) {
	cfg := config(t, "198.18.0.10/24", false)
	down := snapshot(t, cfg, "demo1", providers.Down, false)
	up := snapshot(t, cfg, "demo1", providers.Up, true)
	settle(t, cfg, up)
	for _, tc := range []struct {
		name    string
		live    *plan.Live
		desired plan.Target
		targets []string
		want    []string
	}{
		{"fs up brings its disk", down, "", []string{"svc1.fs#app"},
			[]string{"provision disk#data", "start disk#data", "provision fs#app", "start fs#app"}},
		{"app up brings the address it refers to", down, "", []string{"svc1.app#web"},
			[]string{"start ip#0", "start app#web"}},
		{"a kind", down, "", []string{"svc1.ip"}, []string{"start ip#0"}},
		{"two targets", down, "", []string{"svc1.ip#0", "svc1.disk#data"},
			[]string{"start ip#0", "provision disk#data", "start disk#data"}},
		{"the whole service", down, "", []string{"svc1"},
			[]string{"start ip#0", "provision disk#data", "start disk#data", "provision fs#app", "start fs#app", "start app#web"}},
		{"ip down takes down the app using it", up, plan.TargetDown, []string{"svc1.ip#0"},
			[]string{"stop app#web", "stop ip#0"}},
		{"disk down takes down its fs, not the app", up, plan.TargetDown, []string{"svc1.disk#data"},
			[]string{"stop fs#app", "stop disk#data"}},
		{"another service's address plans nothing here", down, "", []string{"other.ip#0"}, nil},
	} {
		p := makePlan(t, cfg, tc.live, plan.Options{Target: tc.desired, Targets: tc.targets})
		if got := steps(p); !slices.Equal(got, tc.want) {
			t.Errorf("%s: -target %q: steps\n got %q\nwant %q", tc.name, tc.targets, got, tc.want)
		}
	}
}

func TestParseAddress(t *testing.T) {
	for addr, want := range map[string][2]string{"web": {"web", ""}, "web.ip#0": {"web", "ip#0"}, "web.app": {"web", "app"}} {
		svc, rid, err := plan.ParseAddress(addr)
		if err != nil || svc != want[0] || rid != want[1] {
			t.Errorf("ParseAddress(%q) = %q, %q, %v; want %q", addr, svc, rid, err, want)
		}
	}
	for _, bad := range []string{"", ".ip#0", "web.", "web[vm1].app#web"} {
		if _, _, err := plan.ParseAddress(bad); err == nil {
			t.Errorf("ParseAddress(%q) is no error", bad)
		}
	}
}
