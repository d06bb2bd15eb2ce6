package cluster

import (
	"fmt"
	"os"
	"slices"
	"testing"

	"github.com/omhcl/omhcl/testfixtures/clusterlab"
)

// 7. A flex service (examples/lab-flex: flex_max = 2 of 3 nodes) runs on
// the first two nodes; when one dies the third starts an instance, and
// when it comes back it takes its place and the extra instance stops.
func TestClusterFlexKeepsItsInstanceCount(t *testing.T) {
	lab := clusterlab.New(t, 3, clusterlab.Options{BinDir: binDir, Profile: "fast"})
	lab.WaitDaemons()
	lab.Join()
	src, err := os.ReadFile("../../../examples/lab-flex/pool.hcl")
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := lab.Adapt(src)
	lab.Check(err)
	res, err := lab.Deploy("node1", "pool.hcl", cfg)
	lab.Check(err)
	lab.Check(res.Err())

	f := flexLab{lab, t}
	f.waitRunning("deployed", "node1", "node2")
	f.Kill("node1")
	f.waitRunning("node1 died", "node2", "node3")
	f.Check(f.Revive("node1", settleWithin))
	f.waitRunning("node1 came back", "node1", "node2")
}

type flexLab struct {
	*clusterlab.Lab
	t *testing.T
}

// waitRunning waits until every running daemon shows pool running on want
// exactly, and each node runs one app process if in want, none otherwise.
func (f flexLab) waitRunning(what string, want ...string) {
	f.t.Helper()
	awaited := fmt.Sprintf("the daemons to show pool running on %v, an app on each", want)
	if err := clusterlab.Await(settleWithin, awaited, func() error { return f.runningOn(want) }); err != nil {
		f.t.Fatalf("%s: %v", what, err)
	}
	f.t.Logf("%s: pool runs on %v", what, want)
}

func (f flexLab) runningOn(want []string) error {
	for _, n := range f.NodeNames() {
		if f.DaemonPID(n) == 0 {
			continue
		}
		v, err := f.Mon(n)
		if err != nil {
			return err
		}
		s := clusterlab.MonServiceOf(v, "pool")
		if s == nil {
			return fmt.Errorf("%s: no service pool in om mon", n)
		}
		got := slices.Sorted(slices.Values(s.Running))
		if !slices.Equal(got, want) {
			return fmt.Errorf("%s's daemon shows pool running on %v, want %v", n, got, want)
		}
		pids, err := f.FindProcess(n, "demoweb", "serve", ":8081")
		if err != nil {
			return err
		}
		wantPids := 0
		if slices.Contains(want, n) {
			wantPids = 1
		}
		if len(pids) != wantPids {
			return fmt.Errorf("%s runs %d app processes (%v), want %d", n, len(pids), pids, wantPids)
		}
	}
	return nil
}
