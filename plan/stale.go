package plan

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
)

// ErrStale is returned when a plan no longer matches the node.
var ErrStale = errors.New("stale plan")

// StaleError says the node's state changed since a plan was made.
type StaleError struct {
	Node string
	// Was and Now are the fingerprints of the state planned from and of
	// the state found before the first step.
	Was, Now string
	// Moved says what changed, when the state planned from is known (a
	// plan made in the same run): "micro.container#web up → down".
	Moved []string
}

func (e *StaleError) Error() string {
	msg := fmt.Sprintf("%v: the state of node %s changed since the plan was made (fingerprint %s, now %s)", ErrStale, e.Node, e.Was, e.Now)
	if len(e.Moved) > 0 {
		msg += ": " + strings.Join(e.Moved, ", ")
	}
	return msg
}

func (e *StaleError) Unwrap() error { return ErrStale }

// Unchanged returns the check apply runs under its locks before p's first
// step: the node's state must still be the one req observed for p (the
// inputs Make returned with it), else a *StaleError says what moved.
func (req Request) Unchanged(p *Plan, inputs []Input) func(context.Context) error {
	return func(ctx context.Context) error {
		now, err := req.observeLives(ctx)
		if err != nil {
			return err
		}
		if got := Fingerprint(now); got != p.Fingerprint {
			moved := Moved(livesOf(inputs), now)
			if len(moved) == 0 { // what Moved does not name: say at least that
				moved = []string{fmt.Sprintf("the live state's fingerprint %s → %s", p.Fingerprint, got)}
			}
			return &StaleError{Node: req.Options.Node, Was: p.Fingerprint, Now: got, Moved: moved}
		}
		return nil
	}
}

// observeLives reads the live state of req's services, as Make does.
func (req Request) observeLives(ctx context.Context) ([]*LiveInstance, error) {
	inputs, diags := Observe(ctx, req)
	if diags.HasErrors() {
		return nil, fmt.Errorf("cannot read the node's state: %s", diags.Error())
	}
	return livesOf(inputs), nil
}

func livesOf(inputs []Input) []*LiveInstance {
	lives := make([]*LiveInstance, 0, len(inputs))
	for _, in := range inputs {
		lives = append(lives, in.Live)
	}
	return lives
}

// Moved says what differs between two observations of the same services,
// one entry per service or resource that changed in what a plan depends
// on (what Fingerprint hashes).
func Moved(before, after []*LiveInstance) []string {
	now := map[string]*LiveInstance{}
	for _, li := range after {
		if li != nil {
			now[li.Service] = li
		}
	}
	var out []string
	for _, b := range before {
		if b == nil {
			continue
		}
		out = append(out, movedService(b, now[b.Service])...)
		delete(now, b.Service)
	}
	for _, svc := range slices.Sorted(maps.Keys(now)) {
		out = append(out, svc+" now observed")
	}
	return out
}

func movedService(b, a *LiveInstance) []string {
	if a == nil {
		return []string{b.Service + " no longer observed"}
	}
	var out []string
	if b.Frozen != a.Frozen {
		out = append(out, fmt.Sprintf("%s frozen %t → %t", b.Service, b.Frozen, a.Frozen))
	}
	for _, rb := range b.Resources {
		addr := Address(b.Service, rb.RID)
		ra := a.Resource(rb.RID)
		if ra == nil {
			out = append(out, addr+" gone")
		} else if what := movedResource(rb, ra); what != "" {
			out = append(out, addr+" "+what)
		}
	}
	for _, ra := range a.Resources {
		if b.Resource(ra.RID) == nil {
			out = append(out, Address(a.Service, ra.RID)+" appeared")
		}
	}
	return out
}

// movedResource names what changed of one resource: "up → down",
// "exposed pid, netns_path", "", when nothing a plan depends on did.
func movedResource(b, a *LiveResource) string {
	var what []string
	if b.Status != a.Status {
		what = append(what, fmt.Sprintf("%s → %s", b.Status, a.Status))
	}
	if b.Provisioned != a.Provisioned {
		what = append(what, fmt.Sprintf("provisioned %t → %t", b.Provisioned, a.Provisioned))
	}
	if b.Exists != a.Exists {
		what = append(what, fmt.Sprintf("exists %t → %t", b.Exists, a.Exists))
	}
	if !slices.Equal(b.Drift, a.Drift) {
		what = append(what, fmt.Sprintf("drift [%s] → [%s]", strings.Join(b.Drift, ", "), strings.Join(a.Drift, ", ")))
	}
	if keys := changedKeys(b.Exposed, a.Exposed); len(keys) > 0 {
		what = append(what, "exposed "+strings.Join(keys, ", "))
	}
	if (b.Applied == nil) != (a.Applied == nil) || (b.Applied != nil && len(changedKeys(*b.Applied, *a.Applied)) > 0) {
		what = append(what, "its record of what was applied")
	}
	return strings.Join(what, "; ")
}

// changedKeys are the keys whose values differ between a and b, sorted.
func changedKeys(a, b Values) []string {
	var out []string
	for _, k := range slices.Sorted(maps.Keys(a)) {
		if v, ok := b[k]; !ok || !equalValues(a[k], v) {
			out = append(out, k)
		}
	}
	for _, k := range slices.Sorted(maps.Keys(b)) {
		if _, ok := a[k]; !ok {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return out
}

// SameSteps reports whether p and q run the same driver calls in the same
// order: a plan made again after the state moved needs no new approval
// when it does.
func (p *Plan) SameSteps(q *Plan) bool {
	return p != nil && q != nil && slices.EqualFunc(p.Steps, q.Steps, sameStep)
}

func sameStep(a, b Step) bool {
	return a.Address == b.Address && a.Service == b.Service && a.RID == b.RID && a.Action == b.Action &&
		a.Optional == b.Optional && a.EncapNode == b.EncapNode && a.Target == b.Target &&
		slices.Equal(a.RIDs, b.RIDs) && slices.Equal(a.NodeDrops, b.NodeDrops)
}
