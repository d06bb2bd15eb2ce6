package engine

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/omhcl/omhcl/lang"
	"github.com/omhcl/omhcl/plan"
	_ "github.com/omhcl/omhcl/providers/app"
	"github.com/omhcl/omhcl/state"
)

// twoApps is a service of two apps, each up while its file exists; a
// start also leaves a mark, to tell a start by the engine from an app
// that came up by other means.
const twoApps = `
service "svc" {
  nodes = ["n1"]
  app "a" {
    start = "sh -c 'touch %[1]s/a.up %[1]s/a.started'"
    stop  = "rm -f %[1]s/a.up"
    check = "test -f %[1]s/a.up"
  }
  app "b" {
    start = "sh -c 'touch %[1]s/b.up %[1]s/b.started'"
    stop  = "rm -f %[1]s/b.up"
    check = "test -f %[1]s/b.up"
  }
}
`

type lab struct {
	t     *testing.T
	dir   string
	store *state.Store
	cfg   *lang.Config
}

func newLab(t *testing.T) *lab {
	dir := t.TempDir()
	cfg, diags := lang.LoadFiles(map[string][]byte{"svc.hcl": fmt.Appendf(nil, twoApps, dir)})
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	return &lab{t: t, dir: dir, store: state.Open(filepath.Join(dir, "state")), cfg: cfg}
}

func (l *lab) request() Request {
	return Request{Config: l.cfg, Store: l.store, Node: "n1", Services: []string{"svc"}, Target: plan.TargetUp, LockTimeout: 5 * time.Second}
}

func (l *lab) exists(name string) bool {
	_, err := os.Stat(filepath.Join(l.dir, name))
	return err == nil
}

// flip starts or stops app a behind the engine's back, as a container
// engine finishing a killed command's request would.
func (l *lab) flip() {
	l.t.Helper()
	up := filepath.Join(l.dir, "a.up")
	if l.exists("a.up") {
		if err := os.Remove(up); err != nil {
			l.t.Fatal(err)
		}
		return
	}
	if err := os.WriteFile(up, nil, 0o644); err != nil {
		l.t.Fatal(err)
	}
}

func steps(p *plan.Plan) string {
	var out []string
	for _, s := range p.Steps {
		out = append(out, string(s.Action)+" "+s.RID)
	}
	return strings.Join(out, ", ")
}

// App a comes up by itself between the first plan and its first step:
// the plan is made again, shown again since its steps changed, and only
// b is started.
func TestConvergePlansAgainWhenTheStateMoves(t *testing.T) {
	l := newLab(t)
	req := l.request()
	var shown []Shown
	req.Show = func(s Shown) error {
		shown = append(shown, s)
		if len(shown) == 1 {
			l.flip()
		}
		return nil
	}
	p, res, err := Converge(context.Background(), req)
	if err == nil {
		err = res.Err()
	}
	if err != nil {
		t.Fatal(err)
	}
	if got := steps(p); got != "start app#b" {
		t.Errorf("applied %q, want start app#b", got)
	}
	if l.exists("a.started") || !l.exists("b.started") {
		t.Errorf("a started by the engine: %t, b: %t; want only b", l.exists("a.started"), l.exists("b.started"))
	}
	if len(shown) != 2 || shown[1].Prev != shown[0].Plan || strings.Join(shown[1].Moved, ", ") != "svc.app#a down → up" {
		t.Fatalf("shown %d plans, the second with prev %v and moved %q", len(shown), shown[len(shown)-1].Prev != nil, shown[len(shown)-1].Moved)
	}
	if got := steps(shown[0].Plan); got != "start app#a, start app#b" {
		t.Errorf("first plan %q", got)
	}
}

// App a flips under every plan: the engine gives up after Attempts plans,
// over a bounded time, saying what moved, and applies nothing.
func TestConvergeGivesUpWhenTheStateKeepsMoving(t *testing.T) {
	l := newLab(t)
	req := l.request()
	shows := 0
	req.Show = func(Shown) error {
		shows++
		l.flip()
		return nil
	}
	begin := time.Now()
	_, _, err := Converge(context.Background(), req)
	took := time.Since(begin)
	var moving *MovingError
	if !errors.As(err, &moving) || !errors.Is(err, plan.ErrStale) {
		t.Fatalf("got %v, want a MovingError", err)
	}
	if moving.Attempts != Attempts || shows != Attempts || !strings.Contains(err.Error(), "kept moving") ||
		!strings.Contains(err.Error(), "svc.app#a down → up") || !strings.Contains(err.Error(), "svc.app#a up → down") {
		t.Errorf("%d attempts, %d shown: %v", moving.Attempts, shows, err)
	}
	if waits := 15 * FirstWait; took < waits || took > waits+10*time.Second {
		t.Errorf("gave up after %s, want the waits (%s) and not much more", took, waits)
	}
	if l.exists("a.started") || l.exists("b.started") {
		t.Error("a plan was applied although the state kept moving")
	}
}

// The locks are taken before planning: while another run holds one,
// nothing is planned (nor shown) until it is released.
func TestConvergePlansUnderTheLock(t *testing.T) {
	l := newLab(t)
	held, err := l.store.LockService(context.Background(), "svc", time.Second)
	if err != nil {
		t.Fatal(err)
	}
	req := l.request()
	req.LockTimeout = 200 * time.Millisecond
	req.Show = func(Shown) error {
		t.Error("a plan was made while another run held the lock")
		return nil
	}
	if _, _, err := Converge(context.Background(), req); !errors.Is(err, state.ErrLockTimeout) {
		t.Errorf("got %v, want a lock timeout", err)
	}
	held.Unlock()
}

// A person approving a plan does not hold the locks meanwhile. When the
// state moves during the approval and the plan made again has other
// steps, it is shown and approved again before being applied.
func TestConvergeAsksAgainWhenTheStepsChange(t *testing.T) {
	l := newLab(t)
	req := l.request()
	var approved []string
	req.Approve = func(p *plan.Plan) error {
		approved = append(approved, steps(p))
		lock, err := l.store.LockService(context.Background(), "svc", 100*time.Millisecond)
		if err != nil {
			t.Errorf("the lock is held during the approval: %v", err)
			return err
		}
		lock.Unlock()
		if len(approved) == 1 {
			l.flip() // someone starts a meanwhile
		}
		return nil
	}
	p, res, err := Converge(context.Background(), req)
	if err == nil {
		err = res.Err()
	}
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(approved, " | "); got != "start app#a, start app#b | start app#b" {
		t.Errorf("approved %q", got)
	}
	if steps(p) != "start app#b" || l.exists("a.started") || !l.exists("b.started") {
		t.Errorf("applied %q; a started by the engine: %t", steps(p), l.exists("a.started"))
	}
}

// A refused approval applies nothing.
func TestConvergeRefusedApprovalAppliesNothing(t *testing.T) {
	l := newLab(t)
	req := l.request()
	refused := errors.New("refused")
	req.Approve = func(*plan.Plan) error { return refused }
	if _, _, err := Converge(context.Background(), req); !errors.Is(err, refused) {
		t.Fatalf("got %v", err)
	}
	if l.exists("a.started") || l.exists("b.started") {
		t.Error("a refused plan was applied")
	}
}
