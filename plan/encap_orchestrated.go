package plan

import "fmt"

// In the farmed topologies of seed 002 the containers run on several
// nodes and, inside, each container is a node of a cluster of its own:
// daemons running in the containers place the encapsulated service among
// them (a failover service relocated from one container to another, or a
// flex service on some of them). The node level must not fight them: it
// starts and stops its containers, and leaves the placement inside to
// those daemons. Only when a container is going away does its agent stop
// the level itself.

// PlacedInside says whether, under target t, the daemons inside the
// containers decide where the level runs: every target that keeps the
// container up (up, standby, provision). Down and unprovision take the
// container away, and its agent stops the level there itself.
func PlacedInside(t Target) bool {
	return t != TargetDown && t != TargetUnprovision
}

// leftToDaemons says whether the node plans nothing inside e's container
// because the daemons there place the level: its agent reported one
// (Orchestrated), the container keeps running as it is (containerChanges
// is false: a container that starts or stops anew is planned as usual,
// and its agent, asked to converge, leaves placement to the daemon
// there), and the target keeps it up.
func leftToDaemons(e EncapInput, containerChanges bool) bool {
	return e.Known && e.Orchestrated && !containerChanges && PlacedInside(e.Target)
}

// daemonsPlaceNote is the plan's line for a level left to the daemons
// inside its container.
func daemonsPlaceNote(e EncapInput) string {
	return fmt.Sprintf("%s[%s]: placed by the daemons inside the containers (one runs in %s): nothing planned at that level",
		e.Host.Service, e.Host.Node, e.Host.Container)
}
