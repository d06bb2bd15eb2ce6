package cluster

import (
	"errors"
	"testing"
	"time"
)

func TestVotes(t *testing.T) {
	for _, c := range []struct {
		name          string
		v             Votes
		quorum, fence bool
	}{
		{"single node", Votes{Alive: 1, Nodes: 1}, true, false},
		{"3 nodes, all up", Votes{Alive: 3, Nodes: 3}, true, false},
		{"3 nodes, majority side", Votes{Alive: 2, Nodes: 3}, true, false},
		{"3 nodes, isolated node", Votes{Alive: 1, Nodes: 3}, false, true},
		{"2 nodes, split, no arbitrator", Votes{Alive: 1, Nodes: 2}, false, false},
		{"2 nodes, split, arbitrator reached", Votes{Alive: 1, Nodes: 2, Reached: 1, Arbitrators: 1}, true, false},
		{"2 nodes, split, arbitrator lost", Votes{Alive: 1, Nodes: 2, Arbitrators: 1}, false, true},
		{"4 nodes, even split", Votes{Alive: 2, Nodes: 4}, false, false},
	} {
		if got := c.v.Quorum(); got != c.quorum {
			t.Errorf("%s: quorum %v, want %v", c.name, got, c.quorum)
		}
		if got := c.v.MustFence(); got != c.fence {
			t.Errorf("%s: fence %v, want %v", c.name, got, c.fence)
		}
	}
}

func TestConfigRoundTripAndSettings(t *testing.T) {
	dir := t.TempDir()
	c, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Key(); err != nil {
		t.Fatalf("new secret: %v", err)
	}
	again, err := Load(dir)
	if err != nil || again.Secret != c.Secret {
		t.Fatalf("the secret changed between loads: %v", err)
	}
	if err := c.Set("cluster.secret", "nothex"); err == nil {
		t.Fatal("accepted an invalid secret")
	}
	if err := c.Set("profile", "fast"); err != nil {
		t.Fatal(err)
	}
	tm, err := c.Timings()
	if err != nil || tm.Lease != 400*time.Millisecond || tm.TakeoverAfter() != 600*time.Millisecond {
		t.Fatalf("fast profile: %+v (takeover after %s) %v", tm, tm.TakeoverAfter(), err)
	}
	if err := c.Set("timings.lease", "350ms"); err == nil {
		t.Fatal("accepted a lease shorter than 4 beacon intervals")
	}
	if err := c.Set("timings.monitor", "300ms"); err == nil {
		t.Fatal("accepted a lease shorter than 2 monitor intervals")
	}
	if err := c.Set("timings.fence_budget", "0s"); err == nil {
		t.Fatal("accepted a zero fence budget")
	}
	if err := c.Set("timings.grace", "2s"); err != nil {
		t.Fatal(err)
	}
	if got, _ := c.Get("timings.grace"); got != "2s" {
		t.Fatalf("timings.grace = %q", got)
	}
	if _, err := c.Get("cluster.nope"); err == nil {
		t.Fatal("unknown keyword accepted")
	}
}

// Two writers of cluster.json (the daemon learning members, om cluster
// set) keep each other's changes.
func TestUpdateKeepsOtherWritersChanges(t *testing.T) {
	dir := t.TempDir()
	daemonCopy, err := Load(dir) // the daemon's copy, loaded at its start
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Update(dir, func(c *Config) (bool, error) {
		return true, c.Set("cluster.arbitrators", "tcp://198.18.10.254:22")
	}); err != nil {
		t.Fatal(err)
	}
	daemonCopy.AddNodes("node1", "node2")
	if _, err := Update(dir, func(c *Config) (bool, error) { return c.AddNodes("node1", "node2"), nil }); err != nil {
		t.Fatal(err)
	}
	got, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Arbitrators) != 1 || len(got.Nodes) != 2 {
		t.Fatalf("after both writers: arbitrators %v, nodes %v; want both changes kept", got.Arbitrators, got.Nodes)
	}
	if _, err := Update(dir, func(c *Config) (bool, error) { return true, c.Set("timings.lease", "1ms") }); err == nil {
		t.Fatal("an invalid change was accepted")
	}
	if again, _ := Load(dir); again.TimingOverrides["lease"] != "" {
		t.Fatal("an invalid change was written")
	}
}

// The seed's `om cluster set --kw hb#1.type=unicast` is what serf does:
// nothing to set, said so; other heartbeat settings are refused.
func TestHeartbeatKeywordsOfTheSeed(t *testing.T) {
	c := &Config{Profile: "fast"}
	if err := c.Set("hb#1.type", "unicast"); !errors.Is(err, ErrNothingToSet) {
		t.Fatalf("hb#1.type=unicast: %v, want nothing to set", err)
	}
	for _, kv := range [][2]string{{"hb#1.type", "multicast"}, {"hb#2.timeout", "15s"}} {
		if err := c.Set(kv[0], kv[1]); err == nil || errors.Is(err, ErrNothingToSet) {
			t.Errorf("%s=%s: %v, want a refusal", kv[0], kv[1], err)
		}
	}
}
