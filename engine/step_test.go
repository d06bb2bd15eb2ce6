package engine

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/omhcl/omhcl/lang"
	"github.com/omhcl/omhcl/plan"
	"github.com/omhcl/omhcl/state"
)

// Step sees every step begin and end, the rollback's stops included, in
// the order they run; -target limits the steps to its resource.
func TestStepSeesEachStepAndTheRollback(t *testing.T) {
	dir := t.TempDir()
	src := fmt.Sprintf(`
service "svc" {
  nodes = ["n1"]
  app "a" {
    start = "touch %[1]s/a.up"
    stop  = "rm -f %[1]s/a.up"
    check = "test -f %[1]s/a.up"
  }
  app "b" {
    start = "false"
    check = "false"
  }
}
`, dir)
	cfg, diags := lang.LoadFiles(map[string][]byte{"svc.hcl": []byte(src)})
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	var events []string
	req := Request{Config: cfg, Store: state.Open(filepath.Join(dir, "state")), Node: "n1", Target: plan.TargetUp, LockTimeout: 5 * time.Second,
		Step: func(st plan.Step, rollback bool) func(error) {
			events = append(events, fmt.Sprintf("begin %s %s rollback=%t", st.Action, st.Address, rollback))
			return func(err error) {
				events = append(events, fmt.Sprintf("end %s %s failed=%t", st.Action, st.Address, err != nil))
			}
		}}
	_, res, err := Converge(context.Background(), req)
	if err != nil || res == nil || res.Err() == nil {
		t.Fatalf("converge: %v, %v; want b's start to fail", err, res)
	}
	want := []string{
		"begin start svc.app#a rollback=false", "end start svc.app#a failed=false",
		"begin start svc.app#b rollback=false", "end start svc.app#b failed=true",
		"begin stop svc.app#a rollback=true", "end stop svc.app#a failed=false",
	}
	if !slices.Equal(events, want) {
		t.Fatalf("events\n got %q\nwant %q", events, want)
	}
	events = nil
	req.Targets = []string{"svc.app#a"}
	if _, res, err := Converge(context.Background(), req); err != nil || res.Err() != nil {
		t.Fatalf("converge -target svc.app#a: %v, %v", err, res.Err())
	}
	if want := []string{"begin start svc.app#a rollback=false", "end start svc.app#a failed=false"}; !slices.Equal(events, want) {
		t.Fatalf("-target svc.app#a: events\n got %q\nwant %q", events, want)
	}
}
