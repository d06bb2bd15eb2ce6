package plan

import (
	"testing"

	"github.com/omhcl/omhcl/providers"
)

// The level inside counts in the service's status on the node, unless the
// daemons inside place it: down in this container may be where they want
// it. An agent that cannot tell is a warning either way.
func TestOrchestratedLevelDoesNotCountInTheNodeStatus(t *testing.T) {
	container := func(inside *EncapStatus) *LiveInstance {
		li := &LiveInstance{Resources: []*LiveResource{{RID: "container#vm", Kind: "container", Status: providers.Up, Inside: inside}}}
		li.finish()
		return li
	}
	inner := func(st providers.State, orchestrated bool) *EncapStatus {
		return &EncapStatus{Node: "vm-n2", Instance: &LiveInstance{Status: st}, Orchestrated: orchestrated}
	}
	for _, tc := range []struct {
		name   string
		inside *EncapStatus
		want   providers.State
	}{
		{"driven by the agent, down", inner(providers.Down, false), providers.Warn},
		{"driven by the agent, up", inner(providers.Up, false), providers.Up},
		{"placed by the daemons, down here", inner(providers.Down, true), providers.Up},
		{"placed by the daemons, up here", inner(providers.Up, true), providers.Up},
		{"agent error, daemons or not", &EncapStatus{Node: "vm-n2", Error: "no agent", Orchestrated: true}, providers.Warn},
	} {
		if got := container(tc.inside).Status; got != tc.want {
			t.Errorf("%s: the service is %s on the node, want %s", tc.name, got, tc.want)
		}
	}
}
