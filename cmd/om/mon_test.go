package main

import (
	"strings"
	"testing"

	"github.com/omhcl/omhcl/state"
	"github.com/omhcl/omhcl/wire"
)

// om mon as node2 while node1 is held down on a lossy link and node3's
// start found an unmanaged copy: the rows and the notes say so.
func TestMonShowsHeldNodesBeaconLossAndTheBackoff(t *testing.T) {
	loss := 45
	clean := 0
	v := &wire.MonView{
		Node: "node2", Quorum: true, Threads: map[string]string{"beacons": "running udp 198.18.10.2:7947"},
		Nodes: []wire.MonNode{
			{Name: "node1", Status: "alive", HeldDown: true, BeaconLoss: &loss},
			{Name: "node2", Status: "alive"},
			{Name: "node3", Status: "alive", BeaconLoss: &clean},
		},
		Services: []wire.MonService{{
			Name: "web", Orchestrate: "ha", Topology: "failover", Nodes: []string{"node1", "node2", "node3"},
			Instances: map[string]*wire.InstanceReport{
				"node3": {Service: "web", Conflict: true, Conflicts: 3, RetryInMs: 7400},
			},
		}},
	}
	var b strings.Builder
	writeMon(&b, v, false)
	out := b.String()
	for _, want := range []string{
		" beacons lost                     | 45%       -         0%",
		" state                            | held      alive     alive",
		" web       up?   ha    0/1",
		"web: an UNMANAGED copy answers on the network (found by node3's start conflict check, 3 time(s) in a row); node3 starts it again in 7.4s if the copy is gone, backing off up to 1m0s",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("om mon lacks %q:\n%s", want, out)
		}
	}
}

// om mon ends with the configurations the node refused, and says when
// the last good configuration is in force; nothing when all is well.
func TestMonShowsRefusedConfigurations(t *testing.T) {
	v := &wire.MonView{Node: "node1", Quorum: true, Nodes: []wire.MonNode{{Name: "node1", Status: "alive"}}}
	var b strings.Builder
	writeMon(&b, v, false)
	if strings.Contains(b.String(), "refused") {
		t.Errorf("om mon speaks of refusals when there are none:\n%s", b.String())
	}
	v.ConfigBroken = "db.hcl:5,1-14: Duplicate service"
	v.ConfigRefused = []wire.ConfigRefusal{{Service: "db", Version: state.ConfigVersion{Gen: 2, Hash: "5c4f30965b7c80aa"}, From: "peer node2", Why: "does not load"}}
	b.Reset()
	writeMon(&b, v, false)
	for _, want := range []string{
		"\nConfigurations refused\n",
		" the stored configurations do not load; the last good one is in force: db.hcl:5,1-14: Duplicate service\n",
		" db: generation 2 (5c4f30965b7c80aa) from peer node2 refused ",
		" ago: does not load\n",
	} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("om mon lacks %q:\n%s", want, b.String())
		}
	}
}
