package plan_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/omhcl/omhcl/plan"
	"github.com/omhcl/omhcl/providers"
)

// A resource down with a remnant (a container its interrupted stop left)
// is stopped by a plan to stop the service, which removes the remnant,
// and only started by a plan to start it.
func TestRemnantIsStoppedNotStarted(t *testing.T) {
	cfg := config(t, "198.18.0.10/24", false)
	live := snapshot(t, cfg, "demo1", providers.Down, true)
	for _, lr := range live.Services[0].Resources {
		if lr.RID == "app#web" {
			lr.Remnant = "container 0123456789ab is left, state exited (rm = true)"
		}
	}
	down := makePlan(t, cfg, live, plan.Options{Target: plan.TargetDown})
	if got := steps(down); !slices.Equal(got, []string{"stop app#web"}) {
		t.Fatalf("target down: %q", got)
	}
	if r := down.Changes[0].Reason; !strings.Contains(r, "down, but container 0123456789ab is left") {
		t.Errorf("reason %q", r)
	}
	if got := steps(makePlan(t, cfg, live, plan.Options{Target: plan.TargetUp})); slices.Contains(got, "stop app#web") {
		t.Errorf("target up stops the remnant: %q", got)
	}
}
