package clusterlab

import (
	"fmt"
	"time"
)

// Failover is one measured failover of the example service.
type Failover struct {
	From, To string
	// Moved: from the kill to the address on exactly one other node.
	Moved time.Duration
	// Served: from the kill to the client's HTTP request answered by the
	// app on the new node.
	Served time.Duration
}

// MeasureFailover kills the node holding the service address (w watches
// it) and times the failover, until the app answers url from the client
// on another node. The client asks every WatchInterval, each request on
// its own (300 ms timeout): a request sent while the address moved waits
// for its timeout, and must not hold back the next one, nor the look at
// the watcher's samples.
func (r *Rig) MeasureFailover(w *Watcher, url string, timeout time.Duration) (Failover, error) {
	from, err := w.WaitHolder(5 * time.Second)
	if err != nil {
		return Failover{}, fmt.Errorf("failover: %v", err)
	}
	f := Failover{From: from}
	start := time.Now()
	if err := r.Kill(f.From); err != nil {
		return f, err
	}
	served := make(chan string, 1)
	stop := make(chan struct{})
	defer close(stop)
	tick := time.NewTicker(WatchInterval)
	defer tick.Stop()
	deadline := time.After(time.Until(start.Add(timeout)))
	for {
		if f.Moved == 0 && Single(f.From)(w.Holders()) {
			f.Moved = time.Since(start)
		}
		go func() {
			body, err := r.Get(url, 300*time.Millisecond)
			if node := r.ServedBy(body); err == nil && node != "" && node != f.From {
				select {
				case served <- node:
				case <-stop:
				}
			}
		}()
		select {
		case node := <-served:
			f.Served, f.To = time.Since(start), node
			if f.Moved == 0 || f.Moved > f.Served { // answered before the watcher's next sample
				f.Moved = f.Served
			}
			return f, nil
		case <-deadline:
			return f, fmt.Errorf("failover from %s: the service does not answer on another node %s after the kill (address on %v)",
				f.From, timeout, w.Holders())
		case <-tick.C:
		}
	}
}

// Revive brings a killed node back as a rebooted machine: link up, daemon
// started, and waits until every node sees every other alive again.
func (r *Rig) Revive(node string, timeout time.Duration) error {
	if err := r.Heal(node); err != nil {
		return err
	}
	if err := r.startNode(node); err != nil {
		return err
	}
	if err := r.WaitDaemon(node, timeout); err != nil {
		return err
	}
	return r.WaitAllMembers(timeout)
}

// WaitAllMembers waits until every node sees every node alive.
func (r *Rig) WaitAllMembers(timeout time.Duration) error {
	for _, n := range r.Nodes {
		if err := r.WaitMembers(n.Name, r.NodeNames(), timeout); err != nil {
			return err
		}
	}
	return nil
}
