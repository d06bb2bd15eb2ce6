package plan_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/omhcl/omhcl/lang"
	"github.com/omhcl/omhcl/plan"
	"github.com/omhcl/omhcl/providers"
	"github.com/zclconf/go-cty/cty"
)

// WriteJSON writes the document field by field, the changes and steps in
// parallel: byte for byte what json.Encoder writes of the plan.
func TestPlanJSONAsEncoder(t *testing.T) {
	cfg := config(t, "198.18.0.10/24", false)
	full := makePlan(t, cfg, snapshot(t, cfg, "demo1", providers.Down, true), plan.Options{})
	// more changes and steps than one parallel task takes
	for i := range 300 {
		c := *full.Changes[i%len(full.Changes)]
		c.Address = fmt.Sprintf("svc%d.%s", i, c.RID)
		c.Reason = "a <reason> & \"quotes\" \u2028 é"
		full.Changes = append(full.Changes, &c)
		full.Steps = append(full.Steps, plan.Step{Address: c.Address, Service: c.Service, RID: c.RID, Action: providers.ActStart, RIDs: []string{"a"}})
	}
	full.Changes[0].After.Config = plan.Values{"n": cty.NumberIntVal(3), "l": cty.TupleVal([]cty.Value{cty.StringVal("x")}), "o": cty.EmptyObjectVal}
	full.Notes = []string{"a note", "another"}
	full.Errored = true
	full.Diagnostics = lang.JSONDiagnostics(nil, nil)
	full.CreatedAt = time.Date(2026, 12, 6, 3, 0, 0, 123, time.UTC)

	withDiags := makePlan(t, cfg, snapshot(t, cfg, "demo1", providers.Down, true), plan.Options{})
	withDiags.Diagnostics = []lang.JSONDiagnostic{{Severity: "error", Summary: "S", Detail: "D"}}

	plans := map[string]*plan.Plan{
		"full":        full,
		"diagnostics": withDiags,
		"zero":        {},
		"empty lists": {Changes: []*plan.Change{}, Steps: []plan.Step{}, Diagnostics: []lang.JSONDiagnostic{}, Notes: []string{}},
		"one of each": {Changes: full.Changes[:1], Steps: full.Steps[:1], Notes: full.Notes[:1]},
	}
	for name, p := range plans {
		var want, got bytes.Buffer
		enc := json.NewEncoder(&want)
		enc.SetIndent("", "  ")
		if err := enc.Encode(p); err != nil {
			t.Fatal(err)
		}
		w := &countingWriter{w: &got}
		if err := plan.WriteJSON(w, p); err != nil {
			t.Fatal(err)
		}
		if got.String() != want.String() {
			t.Errorf("%s: WriteJSON differs from json.Encoder:\n%s\nwant:\n%s", name, got.String(), want.String())
		}
		if w.writes != 1 {
			t.Errorf("%s: %d writes, want 1", name, w.writes)
		}
	}
}

// A field added to Plan must be added to WriteJSON's list too.
func TestPlanJSONFields(t *testing.T) {
	var names []string
	ty := reflect.TypeFor[plan.Plan]()
	for i := range ty.NumField() {
		if f := ty.Field(i); f.IsExported() {
			names = append(names, strings.Split(f.Tag.Get("json"), ",")[0])
		}
	}
	want := []string{"format_version", "id", "node", "created_at", "fingerprint", "resource_changes", "steps", "errored", "diagnostics", "notes"}
	if !slices.Equal(names, want) {
		t.Errorf("Plan's JSON fields are %q, WriteJSON writes %q: update appendPlanJSON", names, want)
	}
}

type countingWriter struct {
	w      *bytes.Buffer
	writes int
}

func (c *countingWriter) Write(p []byte) (int, error) {
	c.writes++
	return c.w.Write(p)
}
