package clusterlab

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"
)

// ProbeEvery is how often a Prober asks the service, as a client polling
// it would; ProbeTimeout is how long it waits for each answer.
const (
	ProbeEvery   = 100 * time.Millisecond
	ProbeTimeout = time.Second
)

// Prober is a client of the service on the client namespace: it sends a
// GET every ProbeEvery (each on a new connection and a goroutine of its
// own, so a slow answer delays no other) and records which were answered.
// It measures what the service's users see, where the Watcher measures
// where the address is.
type Prober struct {
	url     string
	rig     *Rig
	started time.Time
	stop    chan struct{}
	wg      sync.WaitGroup

	mu      sync.Mutex
	sent    int
	ok      int
	answers []answer
}

// answer is an answered probe: when it was sent, and the node that
// answered.
type answer struct {
	sent time.Time
	node string
}

// Probe starts a Prober of url from the client namespace. Stop it.
func (r *Rig) Probe(url string) *Prober {
	p := &Prober{url: url, rig: r, started: time.Now(), stop: make(chan struct{})}
	p.wg.Add(1)
	go p.loop()
	return p
}

func (p *Prober) loop() {
	defer p.wg.Done()
	tick := time.NewTicker(ProbeEvery)
	defer tick.Stop()
	for {
		sent := time.Now()
		p.mu.Lock()
		p.sent++
		p.mu.Unlock()
		p.wg.Add(1)
		go func() {
			defer p.wg.Done()
			body, err := p.rig.Get(p.url, ProbeTimeout)
			if err != nil {
				return
			}
			p.mu.Lock()
			defer p.mu.Unlock()
			p.ok++
			p.answers = append(p.answers, answer{sent, ServedBy(body)})
		}()
		select {
		case <-p.stop:
			return
		case <-tick.C:
		}
	}
}

// Stop ends the probing and waits for the probes under way.
func (p *Prober) Stop() ProbeStats {
	close(p.stop)
	p.wg.Wait()
	return p.Stats()
}

// WaitAnswers waits until node has answered n more probes than it had
// when called.
func (p *Prober) WaitAnswers(node string, n int, timeout time.Duration) error {
	want := p.answeredBy(node) + n
	return Await(timeout, fmt.Sprintf("%d more answers from %s to %s", n, node, p.url), func() error {
		if p.answeredBy(node) < want {
			return fmt.Errorf("%s", p.Stats())
		}
		return nil
	})
}

// answeredBy counts the probes node answered.
func (p *Prober) answeredBy(node string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	c := 0
	for _, a := range p.answers {
		if a.node == node {
			c++
		}
	}
	return c
}

// ProbeStats sums up a probing run.
type ProbeStats struct {
	Duration time.Duration
	Sent, OK int
	// Unanswered is the time the client got no answer: the probes that
	// got none, each worth ProbeEvery.
	Unanswered time.Duration
	// LongestGap is the longest time between two answered probes (from
	// the start and to the end too).
	LongestGap time.Duration
	// Servers counts the answers per node; Moves, how often the
	// answering node changed.
	Servers map[string]int
	Moves   int
}

// Stats returns what the probing has seen so far.
func (p *Prober) Stats() ProbeStats {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := time.Now()
	s := ProbeStats{Duration: now.Sub(p.started), Sent: p.sent, OK: p.ok, Servers: map[string]int{}}
	s.Unanswered = time.Duration(p.sent-p.ok) * ProbeEvery
	answers := slices.SortedFunc(slices.Values(p.answers), func(a, b answer) int { return a.sent.Compare(b.sent) })
	last, prev := p.started, ""
	for _, a := range answers {
		s.LongestGap = max(s.LongestGap, a.sent.Sub(last))
		s.Servers[a.node]++
		if prev != "" && a.node != prev {
			s.Moves++
		}
		last, prev = a.sent, a.node
	}
	s.LongestGap = max(s.LongestGap, now.Sub(last))
	return s
}

func (s ProbeStats) String() string {
	var nodes []string
	for n, c := range s.Servers {
		nodes = append(nodes, fmt.Sprintf("%s %d", n, c))
	}
	slices.Sort(nodes)
	return fmt.Sprintf("client: %d of %d probes answered in %s, no answer for %s, longest gap %s, answered by %s, %d change(s) of server",
		s.OK, s.Sent, s.Duration.Round(100*time.Millisecond), s.Unanswered.Round(100*time.Millisecond),
		s.LongestGap.Round(100*time.Millisecond), strings.Join(nodes, ", "), s.Moves)
}
