package clusterlab

import (
	"os"
	"os/exec"
	"testing"
	"time"
)

// Each node of a lab with engines runs its own dockerd, in its network
// namespace, found through DOCKER_HOST; a node's death kills it, and the
// lab goes down without leftovers.
func TestEnginePerNode(t *testing.T) {
	if _, err := exec.LookPath("dockerd"); err != nil {
		t.Skip("dockerd is not installed (Debian's docker.io; scripts/setup.sh installs it)")
	}
	l := New(t, 2, Options{DaemonArgv: fakeDaemon, BinDir: t.TempDir(), Engines: true})
	for _, n := range l.Nodes {
		if err := waitEngine(n.EngineSocket(), 5*time.Second); err != nil {
			t.Fatalf("%s: %v", n.Name, err)
		}
		if env := nodeEnv(n); env[len(env)-1] != "DOCKER_HOST=unix://"+n.EngineSocket() {
			t.Fatalf("%s: the node's commands do not find its engine: %v", n.Name, env[len(env)-1])
		}
	}
	if l.Nodes[0].EngineSocket() == l.Nodes[1].EngineSocket() {
		t.Fatal("two nodes share an engine")
	}
	l.Kill("node1")
	if err := waitEngine(l.Nodes[0].EngineSocket(), 200*time.Millisecond); err == nil {
		t.Fatal("node1's engine answers after node1's death")
	}
	if err := waitEngine(l.Nodes[1].EngineSocket(), time.Second); err != nil {
		t.Fatalf("node2's engine died with node1: %v", err)
	}
	l.Heal("node1")
	l.Check(l.startNode("node1"))
	if err := waitEngine(l.Nodes[0].EngineSocket(), 5*time.Second); err != nil {
		t.Fatalf("node1's engine after its reboot: %v", err)
	}
	root := l.Root
	l.Check(l.Down())
	if _, err := os.Stat(root); !os.IsNotExist(err) {
		t.Fatalf("the lab root %s is left after Down: %v", root, err)
	}
}
