package clusterlab

import (
	"fmt"
	"os"
	"strings"
	"time"
)

// LossTrial is what a lossy link on the node serving the service did, as
// the service's client and the address watcher saw it.
type LossTrial struct {
	Node   string
	Pct    int
	Dir    LossDir
	For    time.Duration
	Client ProbeStats
	// Nowhere is how long the address was on no node; Moves, how often
	// it changed nodes; Doubles, the samples with it on two nodes.
	Nowhere time.Duration
	Moves   int
	Doubles int
	// Fences counts the address drops of fencing nodes, from their logs.
	Fences int
	// EndedOn is the node holding the address when the loss ended.
	EndedOn string
}

// RunLoss drops pct % of node's frames in direction dir for d, while a
// client probes the service and a watcher samples where its address is,
// then removes the loss and returns what they saw. w is the lab's watcher
// of the service address, running since before.
func (r *Rig) RunLoss(w *Watcher, node string, pct int, dir LossDir, d time.Duration) (LossTrial, error) {
	t := LossTrial{Node: node, Pct: pct, Dir: dir, For: d}
	logSizes := r.logSizes()
	_, doublesBefore := w.Doubles()
	from := time.Now()
	p := r.Probe(ServiceURL)
	if err := r.Loss(node, pct, dir); err != nil {
		p.Stop()
		return t, err
	}
	time.Sleep(d)
	t.Client = p.Stop()
	to := time.Now()
	if err := r.NoLoss(node); err != nil {
		return t, err
	}
	_, doublesAfter := w.Doubles()
	t.Doubles = doublesAfter - doublesBefore
	t.Nowhere, t.Moves, t.EndedOn = nowhereBetween(w.Timeline(), from, to)
	t.Fences = r.countLogLines(logSizes, "fencing: addresses of")
	return t, nil
}

// nowhereBetween sums the time the timeline shows the address on no node
// between from and to, counts its moves from one node to another, and
// says where it was at to.
func nowhereBetween(tl []Sample, from, to time.Time) (nowhere time.Duration, moves int, at string) {
	var cur Sample
	lastHolder := ""
	for i, s := range tl {
		if s.At.After(to) {
			break
		}
		next := to
		if i+1 < len(tl) && tl[i+1].At.Before(to) {
			next = tl[i+1].At
		}
		start := s.At
		if start.Before(from) {
			start = from
		}
		if len(s.Holders) == 0 && next.After(start) {
			nowhere += next.Sub(start)
		}
		if len(s.Holders) == 1 {
			if lastHolder != "" && s.Holders[0] != lastHolder && s.At.After(from) {
				moves++
			}
			lastHolder = s.Holders[0]
		}
		cur = s
	}
	return nowhere, moves, strings.Join(cur.Holders, "+")
}

// logSizes notes where each node's daemon log ends now.
func (r *Rig) logSizes() map[string]int64 {
	out := map[string]int64{}
	for _, n := range r.Nodes {
		if fi, err := os.Stat(n.Log); err == nil {
			out[n.Name] = fi.Size()
		}
	}
	return out
}

// countLogLines counts the lines holding substr that the daemons logged
// since logSizes.
func (r *Rig) countLogLines(since map[string]int64, substr string) int {
	count := 0
	for _, n := range r.Nodes {
		b, err := os.ReadFile(n.Log)
		if err != nil || int64(len(b)) < since[n.Name] {
			continue
		}
		count += strings.Count(string(b[since[n.Name]:]), substr)
	}
	return count
}

func (t LossTrial) String() string {
	return fmt.Sprintf("%d %% loss (%s) on %s for %s: address on no node %s, %d move(s), %d on two nodes, %d fence(s), on %s at the end; %s",
		t.Pct, t.Dir, t.Node, t.For, t.Nowhere.Round(10*time.Millisecond), t.Moves, t.Doubles, t.Fences, t.EndedOn, t.Client)
}
