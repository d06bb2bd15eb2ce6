package plan_test

import (
	"encoding/json"
	"testing"

	"github.com/omhcl/omhcl/plan"
)

// A hand-edited snapshot may hold nulls where services and resources go:
// planning from it must not panic; the nulls count for nothing (a service
// only null stands for is unknown: all down; a resource the snapshot lacks
// is left alone).
func TestSnapshotWithNullsPlans(t *testing.T) {
	cfg := config(t, "198.18.0.10/24", false)
	for doc, steps := range map[string]int{
		`{"format_version":"1.0","node":"demo1","services":[null]}`:                                                                                       6,
		`{"format_version":"1.0","node":"demo1","services":[null,{"service":"svc1","role":"primary","resources":[null]}]}`:                                0,
		`{"format_version":"1.0","node":"demo1","services":[{"service":"svc1","role":"primary","resources":[null,{"rid":"disk#data","status":"down"}]}]}`: 2,
	} {
		var live plan.Live
		if err := json.Unmarshal([]byte(doc), &live); err != nil {
			t.Fatal(err)
		}
		p := makePlan(t, cfg, &live, plan.Options{})
		if len(p.Steps) != steps {
			t.Errorf("%s: steps %v, want %d", doc, p.Steps, steps)
		}
	}
}
