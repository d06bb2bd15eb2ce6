package clusterlab

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// FlapTrial is what cutting and healing the node serving the service, over
// and over, did: the address watcher's view during the flaps and during
// the quiet time after them.
type FlapTrial struct {
	Cycles         int
	Cut, Heal      time.Duration
	Quiet          time.Duration
	Doubles        int // samples with the address on two nodes, flaps and quiet time
	Fences         int // address drops of fencing nodes, from the daemons' logs
	Starts         int // starts of the service, from the daemons' logs
	SettledAfter   time.Duration
	QuietMoves     int      // changes of holder after it settled (none expected)
	EndedOn        []string // holders at the end
	AppsOn         []string // nodes running the app at the end
	AnsweredBy     string   // who answered the client at the end
	QuietTimeline  []Sample
	FlapsNowhere   time.Duration // the address on no node while flapping
	SettleDeadline time.Duration
}

// RunFlaps cuts the node holding the service address for cut, heals it
// for heal, cycles times (the holder is read again at each cycle), then
// watches quiet long: the service must settle on one node within
// settle and stay there. w is the lab's watcher, running since before.
func (r *Rig) RunFlaps(w *Watcher, cycles int, cut, heal, quiet, settle time.Duration) (FlapTrial, error) {
	t := FlapTrial{Cycles: cycles, Cut: cut, Heal: heal, Quiet: quiet, SettleDeadline: settle}
	logs := r.logSizes()
	_, doublesBefore := w.Doubles()
	from := time.Now()
	last := ""
	for i := 0; i < cycles; i++ {
		node := last
		if h := w.Holders(); len(h) == 1 {
			node = h[0]
		}
		if node == "" {
			node = r.Nodes[i%len(r.Nodes)].Name
		}
		last = node
		if err := r.Cut(node); err != nil {
			return t, err
		}
		time.Sleep(cut)
		if err := r.Heal(node); err != nil {
			return t, err
		}
		time.Sleep(heal)
	}
	flapsEnd := time.Now()
	t.FlapsNowhere, _, _ = nowhereBetween(w.Timeline(), from, flapsEnd)
	time.Sleep(quiet)
	_, doublesAfter := w.Doubles()
	t.Doubles = doublesAfter - doublesBefore
	for _, s := range w.Timeline() {
		if s.At.After(flapsEnd) {
			t.QuietTimeline = append(t.QuietTimeline, s)
		}
	}
	t.SettledAfter, t.QuietMoves = settledAfter(t.QuietTimeline, flapsEnd, settle)
	t.EndedOn = w.Holders()
	for _, n := range r.Nodes {
		if pids, err := r.FindProcess(n.Name, "demoweb", "serve"); err == nil && len(pids) > 0 {
			t.AppsOn = append(t.AppsOn, n.Name)
		}
	}
	if body, err := r.Get(ServiceURL, 2*time.Second); err == nil {
		t.AnsweredBy = ServedBy(body)
	}
	t.Fences = r.countLogLines(logs, "fencing: addresses of")
	t.Starts = r.countLogLines(logs, "web: start done")
	return t, nil
}

// settledAfter is how long after from the address last changed holders
// (it stayed on one node from then on), and how many changes came later
// than the settle deadline.
func settledAfter(quiet []Sample, from time.Time, settle time.Duration) (time.Duration, int) {
	var at time.Duration
	late := 0
	for _, s := range quiet {
		at = s.At.Sub(from)
		if at > settle {
			late++
		}
	}
	return at, late
}

// Err says what the trial saw that must not happen.
func (t FlapTrial) Err() error {
	var bad []string
	if t.Doubles > 0 {
		bad = append(bad, fmt.Sprintf("the address on two nodes in %d samples", t.Doubles))
	}
	if len(t.EndedOn) != 1 {
		bad = append(bad, fmt.Sprintf("the address on %v at the end, want one node", t.EndedOn))
	}
	if t.QuietMoves > 0 {
		bad = append(bad, fmt.Sprintf("%d change(s) of holder more than %s into the quiet time", t.QuietMoves, t.SettleDeadline))
	}
	if len(t.EndedOn) == 1 && !slices.Equal(t.AppsOn, t.EndedOn) {
		bad = append(bad, fmt.Sprintf("the app runs on %v, the address is on %v", t.AppsOn, t.EndedOn))
	}
	if len(t.EndedOn) == 1 && t.AnsweredBy != t.EndedOn[0] {
		bad = append(bad, fmt.Sprintf("the client was answered by %q, the address is on %s", t.AnsweredBy, t.EndedOn[0]))
	}
	if len(bad) == 0 {
		return nil
	}
	return fmt.Errorf("heal trial: %s", strings.Join(bad, "; "))
}

func (t FlapTrial) String() string {
	var tl []string
	for _, s := range t.QuietTimeline {
		tl = append(tl, s.String())
	}
	return fmt.Sprintf("%d cycles of %s cut / %s healed of the node holding the address, then %s quiet: "+
		"%d samples on two nodes, %d fence(s), %d start(s); address on no node %s while flapping; "+
		"settled %s after the last heal (changes after it: %d): on %v, app on %v, client answered by %q\n  quiet timeline: %s",
		t.Cycles, t.Cut, t.Heal, t.Quiet, t.Doubles, t.Fences, t.Starts, t.FlapsNowhere.Round(10*time.Millisecond),
		t.SettledAfter.Round(10*time.Millisecond), t.QuietMoves, t.EndedOn, t.AppsOn, t.AnsweredBy, strings.Join(tl, ", "))
}
