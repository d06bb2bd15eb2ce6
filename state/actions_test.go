package state

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// The record of a service's actions keeps the last MaxActions, oldest
// first, and bounds what each keeps of an error.
func TestActionsAreBounded(t *testing.T) {
	s := &Store{Root: t.TempDir()}
	if acts, err := s.Actions("web"); err != nil || len(acts) != 0 {
		t.Fatalf("no record yet: %v, %v", acts, err)
	}
	for i := range MaxActions + 5 {
		a := Action{Time: time.Unix(int64(i), 0), Service: "web", By: fmt.Sprint(i), Steps: []string{"start app#web"}, Outcome: "ok"}
		if i == MaxActions+4 {
			a.Outcome, a.Error = "failed", strings.Repeat("x", 10*maxActionError)
		}
		if err := s.RecordAction(a); err != nil {
			t.Fatal(err)
		}
	}
	acts, err := s.Actions("web")
	if err != nil {
		t.Fatal(err)
	}
	if len(acts) != MaxActions || acts[0].By != "5" || acts[len(acts)-1].Outcome != "failed" {
		t.Fatalf("kept %d actions, first by %q, last %q; want %d, from 5 on, the failed one last", len(acts), acts[0].By, acts[len(acts)-1].Outcome, MaxActions)
	}
	if n := len(acts[len(acts)-1].Error); n > maxActionError+20 {
		t.Errorf("an error of %d bytes was kept", n)
	}
	if err := s.RecordAction(Action{Service: "../x"}); err == nil {
		t.Error("an action of service ../x was recorded")
	}
}
