package clusterlab

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"time"
)

// WatchInterval is how often a Watcher samples every node's addresses.
const WatchInterval = 20 * time.Millisecond

// maxDoubles bounds the instants a Watcher keeps of an address on two
// nodes: one is already a failure, the count goes on.
const maxDoubles = 100

// Sample is where the watched address was at one instant.
type Sample struct {
	At      time.Time
	Holders []string // nodes holding the address, in node order
}

func (s Sample) String() string {
	if len(s.Holders) == 0 {
		return s.At.Format("15:04:05.000") + " nowhere"
	}
	return s.At.Format("15:04:05.000") + " " + strings.Join(s.Holders, "+")
}

// Watcher samples every node's addresses in the background and records
// every instant the watched address was on more than one node, and the
// timeline of where it was. In a lab with VMs, a node whose libvirtd runs
// the lab guest (GuestDomain, which holds the address inside it) counts
// as holding the address too: the guest's qemu there is the sample.
type Watcher struct {
	IP      netip.Addr
	Guest   string // the guest domain watched with IP, "" when none
	nodes   []*Node
	reader  *addrReader
	started time.Time
	stop    chan struct{}
	done    chan struct{}
	once    sync.Once

	mu       sync.Mutex
	last     Sample
	timeline []Sample // the first sample, then one per change
	doubles  []Sample
	nDoubles int
	samples  int
	errs     int
	lastErr  error
}

// Watch starts a Watcher of ip over every node of the lab. Stop it.
func (r *Rig) Watch(ip netip.Addr) *Watcher {
	w := &Watcher{
		IP: ip, nodes: r.Nodes, reader: newAddrReader(), started: time.Now(),
		stop: make(chan struct{}), done: make(chan struct{}),
	}
	if r.VMs {
		w.Guest = GuestDomain
	}
	go w.loop()
	return w
}

func (w *Watcher) loop() {
	defer close(w.done)
	defer w.reader.close()
	tick := time.NewTicker(WatchInterval)
	defer tick.Stop()
	for {
		w.sample()
		select {
		case <-w.stop:
			return
		case <-tick.C:
		}
	}
}

func (w *Watcher) sample() {
	h, err := holders(w.reader, w.nodes, w.IP)
	if err == nil && w.Guest != "" {
		h = withGuests(w.nodes, h, guestNodes(w.nodes, w.Guest))
	}
	now := time.Now()
	w.mu.Lock()
	defer w.mu.Unlock()
	if err != nil {
		w.errs++
		w.lastErr = err
		return
	}
	s := Sample{At: now, Holders: h}
	w.samples++
	if len(h) > 1 {
		w.nDoubles++
		if len(w.doubles) < maxDoubles {
			w.doubles = append(w.doubles, s)
		}
	}
	if w.samples == 1 || !slices.Equal(h, w.last.Holders) {
		w.timeline = append(w.timeline, s)
	}
	w.last = s
}

// Stop ends the sampling and waits for the last sample. It may be called
// more than once.
func (w *Watcher) Stop() {
	w.once.Do(func() { close(w.stop) })
	<-w.done
}

// Holders returns the nodes holding the address at the last sample.
func (w *Watcher) Holders() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return slices.Clone(w.last.Holders)
}

// Doubles returns the instants the address was on more than one node (the
// first maxDoubles of them) and how many there were in all.
func (w *Watcher) Doubles() ([]Sample, int) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return slices.Clone(w.doubles), w.nDoubles
}

// Timeline returns the first sample then one per change of holders.
func (w *Watcher) Timeline() []Sample {
	w.mu.Lock()
	defer w.mu.Unlock()
	return slices.Clone(w.timeline)
}

// Stats returns how many samples were taken and how many failed, with the
// last failure.
func (w *Watcher) Stats() (samples, failed int, lastErr error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.samples, w.errs, w.lastErr
}

// Report describes the watch: samples, doubles, and the timeline with
// times relative to the watch's start.
func (w *Watcher) Report() string {
	samples, failed, lastErr := w.Stats()
	doubles, n := w.Doubles()
	var b strings.Builder
	what := w.IP.String()
	if w.Guest != "" {
		what += " (on a node, or in the guest " + w.Guest + " running there)"
	}
	fmt.Fprintf(&b, "watcher of %s: %d samples every %s, %d failed", what, samples, WatchInterval, failed)
	if lastErr != nil {
		fmt.Fprintf(&b, " (last: %v)", lastErr)
	}
	fmt.Fprintf(&b, ", %d on two nodes at once\n", n)
	for _, d := range doubles {
		fmt.Fprintf(&b, "  DOUBLE at +%s: %s\n", d.At.Sub(w.started).Round(time.Millisecond), strings.Join(d.Holders, "+"))
	}
	for _, s := range w.Timeline() {
		where := strings.Join(s.Holders, "+")
		if where == "" {
			where = "nowhere"
		}
		fmt.Fprintf(&b, "  +%-8s %s\n", s.At.Sub(w.started).Round(time.Millisecond), where)
	}
	return b.String()
}

// WaitFor waits until a sample taken after the call satisfies cond, and
// returns its holders.
func (w *Watcher) WaitFor(timeout time.Duration, what string, cond func(holders []string) bool) ([]string, error) {
	since := time.Now()
	deadline := since.Add(timeout)
	for {
		w.mu.Lock()
		last := w.last
		w.mu.Unlock()
		if last.At.After(since) && cond(last.Holders) {
			return slices.Clone(last.Holders), nil
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("%s: not seen within %s (last sample: %s)", what, timeout, last)
		}
		time.Sleep(WatchInterval / 2)
	}
}

// WaitHolder waits until exactly one node holds the address and returns it.
func (w *Watcher) WaitHolder(timeout time.Duration) (string, error) {
	h, err := w.WaitFor(timeout, fmt.Sprintf("%s on exactly one node", w.IP), func(h []string) bool { return len(h) == 1 })
	if err != nil {
		return "", err
	}
	return h[0], nil
}

// Single is a WaitFor condition: exactly one node holds the address, and
// it is none of not.
func Single(not ...string) func([]string) bool {
	return func(h []string) bool { return len(h) == 1 && !slices.Contains(not, h[0]) }
}
