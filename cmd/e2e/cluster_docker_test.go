package e2e

import (
	"testing"

	"github.com/omhcl/omhcl/testfixtures/clusterlab"
)

// The HA service with its app in a docker container (examples/lab-docker),
// each node running an engine of its own.
func newDockerHALab(t *testing.T) *haLab {
	lab := clusterlab.New(t, 3, clusterlab.Options{BinDir: binDir, Profile: "fast", Engines: true})
	lab.WaitDaemons()
	lab.Join()
	return deployService(t, lab, "examples/lab-docker/service.hcl")
}

// 11. The node running the containerized service dies, its engine and
// container with it: the service answers from another node's container;
// the node comes back and starts no second copy (its engine still holds
// the dead container, exited).
func TestClusterDockerNodeDeathFailsOver(t *testing.T) {
	h := newDockerHALab(t)
	dead := h.holder
	h.Kill(dead)
	to := h.waitServed("after "+dead+" died", dead)
	h.settle("after "+dead+" died", to)
	h.Check(h.Revive(dead, settleWithin))
	h.stillServedBy(to, "after "+dead+" came back")
	h.waitRunningOn(dead, to)
}

// 12. The container dies (kill -9 of its process): the monitor restarts it
// in place once, then the service moves (monitor_action = "switch").
func TestClusterDockerContainerDeathRestartsThenRelocates(t *testing.T) {
	h := newDockerHALab(t)
	node := h.holder
	old := h.killApp(node)
	h.waitAppRestarted(node, old)
	h.killApp(node)
	to := h.waitServed("after the container died twice on "+node, node)
	h.settle("after the relocation", to)
}
