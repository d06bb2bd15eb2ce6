package cluster

import (
	"context"
	"testing"
	"time"

	"github.com/moby/moby/client"
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

// 13. The link of the node running the containerized service is cut: the
// majority serves, and the cut node, alone, has stopped its container
// (its own engine still answers it) and dropped the address.
func TestClusterDockerCutNodeStopsItsCopy(t *testing.T) {
	h := newDockerHALab(t)
	cut := h.holder
	if names := h.runningContainers(cut); len(names) != 1 {
		t.Fatalf("before the cut, the engine of %s runs %v: want web's container", cut, names)
	}
	h.cutStopsItsCopy(cut, func() {
		if names := h.runningContainers(cut); len(names) > 0 {
			t.Errorf("the engine of the cut node %s still runs %v", cut, names)
		}
	})
}

// runningContainers returns the names of web's running containers on
// node's own engine.
func (h *haLab) runningContainers(node string) []string {
	h.t.Helper()
	n, err := h.Node(node)
	h.Check(err)
	// not containerlab.Client: an engine that does not answer fails here
	cli, err := client.New(client.WithHost("unix://"+n.EngineSocket()), client.WithAPIVersionNegotiation())
	h.Check(err)
	defer cli.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	f := client.Filters{}.Add("label", "omhcl.service=web").Add("status", "running")
	res, err := cli.ContainerList(ctx, client.ContainerListOptions{Filters: f})
	h.Check(err)
	var names []string
	for _, c := range res.Items {
		names = append(names, c.Names...)
	}
	return names
}
