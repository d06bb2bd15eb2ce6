package orchestrate

import (
	"testing"

	"github.com/omhcl/omhcl/lang"
)

func view(self string, quorum bool, nodes ...Node) View {
	v := View{Self: self, Quorum: quorum, Nodes: map[string]Node{}}
	for _, n := range nodes {
		v.Nodes[n.Name] = n
	}
	return v
}

// forced is s after an operator's takeover to node to without quorum, as
// node self sees it: Forced holds on the node taken over to only.
func forced(s Service, to, self string) Service {
	s.Preferred, s.Intent = to, IntentStarted
	s.Forced = to == self
	return s
}

func settling(v View) View { v.Settling = true; return v }

func alive(name string) Node  { return Node{Name: name, Alive: true, Fresh: true} }
func failed(name string) Node { return Node{Name: name} }
func gone(name string) Node   { return Node{Name: name, Gone: true} }

func ha(running ...string) Service {
	s := Service{
		Name:      "web",
		Settings:  lang.Settings{Nodes: []string{"node1", "node2", "node3"}, Orchestrate: "ha", Topology: "failover"},
		Instances: map[string]Instance{},
	}
	for _, n := range running {
		s.Instances[n] = Instance{Node: n, Running: true}
	}
	return s
}

func TestFailoverNeedsGoneQuorumAndTarget(t *testing.T) {
	for _, c := range []struct {
		name string
		v    View
		s    Service
		want Action
	}{
		{"running elsewhere: nothing", view("node2", true, alive("node1"), alive("node2"), alive("node3")), ha("node1"), None},
		{"leader failed within grace: wait", view("node2", true, failed("node1"), alive("node2"), alive("node3")), ha("node1"), None},
		{"leader gone: first survivor starts", view("node2", true, gone("node1"), alive("node2"), alive("node3")), ha("node1"), Start},
		{"leader gone: second survivor waits", view("node3", true, gone("node1"), alive("node2"), alive("node3")), ha("node1"), None},
		{"no quorum: never start", view("node2", false, gone("node1"), alive("node2"), gone("node3")), ha("node1"), None},
		{"nowhere running: leader starts", view("node1", true, alive("node1"), alive("node2"), alive("node3")), ha(), Start},
		{"double copy: the non-target stops", view("node2", true, alive("node1"), alive("node2"), alive("node3")), ha("node1", "node2"), Stop},
		{"double copy: the target keeps it", view("node1", true, alive("node1"), alive("node2"), alive("node3")), ha("node1", "node2"), None},
		{"quorum just regained: no start yet", settling(view("node1", true, alive("node1"), failed("node2"), alive("node3"))), ha(), None},
		{"no quorum, takeover forced here: start", view("node2", false, failed("node1"), alive("node2")), forced(ha("node1"), "node2", "node2"), Start},
		{"no quorum, takeover forced elsewhere: wait", view("node2", false, failed("node1"), alive("node2")), forced(ha("node1"), "node1", "node2"), None},
	} {
		if got := Decide(c.v, c.s); got.Action != c.want {
			t.Errorf("%s: %+v, want %q", c.name, got, c.want)
		}
	}
}

// Every node with the same view picks the same single starter.
func TestOneStarter(t *testing.T) {
	nodes := []Node{gone("node1"), alive("node2"), alive("node3")}
	starters := 0
	for _, self := range []string{"node2", "node3"} {
		if Decide(view(self, true, nodes...), ha("node1")).Action == Start {
			starters++
		}
	}
	if starters != 1 {
		t.Fatalf("%d nodes would start the service", starters)
	}
}

func TestSwitchFreezeStopIntent(t *testing.T) {
	all := []Node{alive("node1"), alive("node2"), alive("node3")}
	s := ha("node1")
	s.Preferred = "node2"
	if d := Decide(view("node1", true, all...), s); d.Action != Stop {
		t.Fatalf("switch: the current node must stop, got %+v", d)
	}
	if d := Decide(view("node2", true, all...), s); d.Action != None {
		t.Fatalf("switch: the target waits for the stop, got %+v", d)
	}
	s.Instances = map[string]Instance{}
	if d := Decide(view("node2", true, all...), s); d.Action != Start {
		t.Fatalf("switch: the target starts once stopped, got %+v", d)
	}
	s.Frozen = true
	if d := Decide(view("node2", true, all...), s); d.Action != None {
		t.Fatalf("frozen service orchestrated: %+v", d)
	}
	s = ha("node1")
	s.Intent = IntentStopped
	if d := Decide(view("node1", true, all...), s); d.Action != Stop {
		t.Fatalf("stop intent: %+v", d)
	}
}

func TestMonitorFailureMovesTheTarget(t *testing.T) {
	s := ha()
	s.Instances["node1"] = Instance{Node: "node1", MonitorFailed: true}
	all := []Node{alive("node1"), alive("node2"), alive("node3")}
	if got := Target(view("node2", true, all...), s); got != "node2" {
		t.Fatalf("target %q, want node2", got)
	}
}

func TestDrpNodesOnlyByTakeover(t *testing.T) {
	s := ha()
	s.Settings.Nodes = []string{"node1"}
	s.Settings.DrpNodes = []string{"drp1"}
	v := view("drp1", true, gone("node1"), alive("drp1"))
	if d := Decide(v, s); d.Action != None {
		t.Fatalf("a drp node started without a takeover: %+v", d)
	}
	s.Preferred = "drp1"
	if d := Decide(v, s); d.Action != Start {
		t.Fatalf("takeover on the drp node: %+v", d)
	}
}

func TestPlacementByScore(t *testing.T) {
	s := ha()
	s.Settings.Placement = "score"
	v := view("node3", true, Node{Name: "node1", Alive: true, Score: 10}, Node{Name: "node2", Alive: true, Score: 50}, Node{Name: "node3", Alive: true, Score: 90})
	if got := Target(v, s); got != "node3" {
		t.Fatalf("target %q, want the best score node3", got)
	}
}

// A node back from a partition thinks the node that took over gone; a peer
// that stayed with the majority knows better, and its claim prevails.
func TestPeerClaimBeatsStaleGone(t *testing.T) {
	s := ha()
	s.Instances["node2"] = Instance{Node: "node2", Claimed: true}
	v := view("node1", true, alive("node1"), gone("node2"), alive("node3"))
	if d := Decide(v, s); d.Action != None {
		t.Fatalf("started although a peer says node2 runs it: %+v", d)
	}
	delete(s.Instances, "node2")
	if d := Decide(v, s); d.Action != Start {
		t.Fatalf("without the claim the target should start: %+v", d)
	}
}

func TestFlexKeepsUpToFlexMax(t *testing.T) {
	s := ha()
	s.Settings.Topology, s.Settings.FlexMax = "flex", 2
	all := []Node{alive("node1"), alive("node2"), alive("node3")}
	for _, c := range []struct {
		self string
		want Action
	}{{"node1", Start}, {"node2", Start}, {"node3", None}} {
		if d := Decide(view(c.self, true, all...), s); d.Action != c.want {
			t.Errorf("%s: %+v, want %q", c.self, d, c.want)
		}
	}
	s = ha("node1", "node2", "node3")
	s.Settings.Topology, s.Settings.FlexMax = "flex", 2
	if d := Decide(view("node3", true, all...), s); d.Action != Stop {
		t.Fatalf("a third instance over flex_max 2 must stop: %+v", d)
	}
	if d := Decide(view("node1", false, all...), ha()); d.Action != None {
		t.Fatalf("no quorum, no start: %+v", d)
	}
}

func heldDown(name string) Node { return Node{Name: name, Alive: true, Fresh: true, HeldDown: true} }
func degraded(name string) Node {
	return Node{Name: name, Alive: true, Fresh: true, HeldDown: true, Degraded: true}
}

// A node that fenced lately yields: it is no candidate while a node that
// kept quorum is. A node whose link is degraded also stops a copy it runs
// once another can take it; one held down after a fence keeps it.
func TestHeldDownNodeYields(t *testing.T) {
	preferred := func(s Service) Service { s.Preferred = "node1"; return s }
	for _, c := range []struct {
		name string
		v    View
		s    Service
		want Action
	}{
		{"held-down preferred node does not start", view("node1", true, heldDown("node1"), alive("node2"), alive("node3")), preferred(ha()), None},
		{"the next healthy node starts", view("node2", true, heldDown("node1"), alive("node2"), alive("node3")), preferred(ha()), Start},
		{"held-down node running it keeps it", view("node1", true, heldDown("node1"), alive("node2"), alive("node3")), preferred(ha("node1")), None},
		{"the others leave it there", view("node2", true, heldDown("node1"), alive("node2"), alive("node3")), preferred(ha("node1")), None},
		{"degraded node running it stops", view("node1", true, degraded("node1"), alive("node2"), alive("node3")), preferred(ha("node1")), Stop},
		{"degraded without quorum: the fence decides, not this", view("node1", false, degraded("node1"), failed("node2"), failed("node3")), preferred(ha("node1")), None},
		{"degraded with no other candidate: keeps it", view("node1", true, degraded("node1"), failed("node2"), failed("node3")), preferred(ha("node1")), None},
		{"every node held down: the preferred one starts", view("node1", true, heldDown("node1"), heldDown("node2"), heldDown("node3")), preferred(ha()), Start},
		{"every node held down: the others wait", view("node2", true, heldDown("node1"), heldDown("node2"), heldDown("node3")), preferred(ha()), None},
	} {
		if got := Decide(c.v, c.s).Action; got != c.want {
			t.Errorf("%s: %q, want %q", c.name, got, c.want)
		}
	}
}

// returned is a node back from a partition whose report, the last one
// polled before the cut, still says what it was then: a stale report.
func returned(name string) Node { return Node{Name: name, Alive: true} }

// A node that kept quorum took the service over while node1 was cut off
// and fenced. When node1 comes back, the survivor must not give up its
// healthy copy on node1's old news (running, not held down, preferred),
// nor on its fresh news while it is held down (it fenced) or settling.
// From TestClusterPartitionHealCycles' failures: "node3: web: stop
// (relocating to node1)" 43 ms after node1's rejoin, node1 held down and
// starting nothing; "node2: web: stop (also running on node1, the
// placement target)" while node1 had fenced and ran nothing.
func TestHealNeverHandsARunningServiceToAReturningNode(t *testing.T) {
	preferred := func(s Service, node string) Service { s.Preferred = node; return s }
	settlingNode := func(name string) Node { n := alive(name); n.Fresh = false; return n }
	for _, c := range []struct {
		name string
		v    View
		s    Service
		want Action
	}{
		// Sequence 1: node3 took over; node1's preference comes back with it.
		{"node1's stale report and preference: node3 keeps it",
			view("node3", true, returned("node1"), alive("node2"), alive("node3")), preferred(ha("node3"), "node1"), None},
		{"node1 fresh but held down after its fence: node3 keeps it",
			view("node3", true, heldDown("node1"), alive("node2"), alive("node3")), preferred(ha("node3"), "node1"), None},
		{"node1 back with quorum, still settling: node3 keeps it",
			view("node3", true, settlingNode("node1"), alive("node2"), alive("node3")), preferred(ha("node3"), "node1"), None},
		{"node1 fresh and free: an operator's preference moves it",
			view("node3", true, alive("node1"), alive("node2"), alive("node3")), preferred(ha("node3"), "node1"), Stop},

		// Sequence 2: node2, itself held down since an earlier fence, took
		// over; node1's last report before the cut says it runs web.
		{"node1's stale report says running: node2 keeps it",
			view("node2", true, returned("node1"), heldDown("node2"), alive("node3")), preferred(ha("node1", "node2"), "node2"), None},
		{"node1's fresh report: held down, stopped: node2 keeps it",
			view("node2", true, heldDown("node1"), heldDown("node2"), alive("node3")), preferred(ha("node2"), "node2"), None},
		{"node1's fresh report says running: two copies, the non-target stops",
			view("node2", true, alive("node1"), heldDown("node2"), alive("node3")), preferred(ha("node1", "node2"), "node2"), Stop},

		// A degraded node hands over only to a node that can take it.
		{"degraded, the target back from a partition: keeps it",
			view("node1", true, degraded("node1"), returned("node2"), failed("node3")), ha("node1"), None},
		{"degraded, the target held down: keeps it",
			view("node1", true, degraded("node1"), heldDown("node2"), failed("node3")), ha("node1"), None},
	} {
		if got := Decide(c.v, c.s); got.Action != c.want {
			t.Errorf("%s: %+v, want %q", c.name, got, c.want)
		}
	}
}

// The nodes that do not run the service wait for the returning node's
// news too: it is the target on its old report, and starts nothing while
// held down; once its fresh report says so, the next node starts.
func TestReturningTargetHeldDownLetsTheNextStart(t *testing.T) {
	s := ha()
	s.Preferred = "node1"
	if d := Decide(view("node2", true, returned("node1"), alive("node2"), alive("node3")), s); d.Action != None {
		t.Fatalf("node2 started on node1's stale report (node1 the target): %+v", d)
	}
	if d := Decide(view("node1", true, heldDown("node1"), alive("node2"), alive("node3")), s); d.Action != None {
		t.Fatalf("held-down node1 started: %+v", d)
	}
	if d := Decide(view("node2", true, heldDown("node1"), alive("node2"), alive("node3")), s); d.Action != Start {
		t.Fatalf("node2 did not start once node1's report said it is held down: %+v", d)
	}
}

// A switch's stop is planned (a live migration, for a service whose
// container migrates); the node a migration brought the container to
// starts the rest once no other node runs the service, and not before.
func TestLiveMigrationDecisions(t *testing.T) {
	all := view("node1", true, alive("node1"), alive("node2"), alive("node3"))
	s := ha("node1")
	s.Preferred = "node2"
	if d := Decide(all, s); d.Action != Stop || !d.Planned || d.Target != "node2" {
		t.Errorf("switch to node2, on node1: %+v, want a planned stop", d)
	}
	if d := Decide(all, ha("node1", "node2")); d.Planned {
		t.Errorf("a second copy's stop is no planned move: %+v", d)
	}
	at2 := view("node2", true, alive("node1"), alive("node2"), alive("node3"))
	arrived := func(running ...string) Service {
		s := ha(running...)
		s.Preferred, s.Arrived = "node2", true
		return s
	}
	if d := Decide(at2, arrived("node1", "node2")); d.Action != None {
		t.Errorf("the container arrived while node1 still runs the service: %+v, want nothing yet", d)
	}
	if d := Decide(at2, arrived("node2")); d.Action != Start {
		t.Errorf("the container arrived, node1 runs nothing: %+v, want a start of the rest", d)
	}
	if d := Decide(at2, ha("node2")); d.Action != None {
		t.Errorf("running here, nothing arrived: %+v", d)
	}
}
