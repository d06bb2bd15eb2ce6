package cluster

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/omhcl/omhcl/state"
	"github.com/omhcl/omhcl/testfixtures/clusterlab"
	"github.com/omhcl/omhcl/wire"
)

// Issue 15: the configuration store validates before it stores. An entry
// of db that loads alone but not with the others (its text declares web
// again, as a flex service) is refused wherever it arrives: through
// node1's API, and from the files of a node's store when its daemon
// starts. Before, it replicated and every node's configuration stopped
// loading: no service was orchestrated, monitored or fenced anywhere. Now
// every node keeps the last good configuration in force and still runs
// web, and node1 says which entry it refused and why.
func TestClusterConfigThatDoesNotLoadWithTheOthersIsRefused(t *testing.T) {
	h := newHALab(t)
	db := "service \"db\" {\n  nodes       = [\"node1\", \"node2\", \"node3\"]\n  orchestrate = \"no\"\n}\n"
	bad := db + "service \"web\" {\n  nodes       = [\"node1\", \"node2\", \"node3\"]\n  orchestrate = \"ha\"\n  topology    = \"flex\"\n}\n"
	if _, err := h.push("node1", "db", db); err != nil {
		t.Fatal(err)
	}
	if v, err := h.push("node1", "db", bad); err == nil || !strings.Contains(err.Error(), "Duplicate service") {
		t.Fatalf("the entry of db declaring web again: stored as %+v (%v)", v, err)
	}
	for _, n := range h.NodeNames() {
		h.waitInForce(n, "the last good configuration in force after the API refused db's entry")
	}
	h.Check(h.AwaitMon("node1", settleWithin, "node1 to say it refused db's entry", func(v *wire.MonView) error {
		if !slices.ContainsFunc(v.ConfigRefused, func(r wire.ConfigRefusal) bool {
			return r.Service == "db" && r.Version.Gen == 2 && strings.Contains(r.Why, "Duplicate service")
		}) {
			return fmt.Errorf("it shows the refusals %+v", v.ConfigRefused)
		}
		return nil
	}))
	if out := h.mon("node1"); !strings.Contains(out, "Configurations refused") || !strings.Contains(out, "db: generation 2") {
		t.Errorf("om mon on node1 does not say it refused db's entry:\n%s", out)
	}

	// the same entry in the store of a node whose daemon starts
	other := h.others(h.holder)[0]
	h.KillDaemon(other)
	n, err := h.Node(other)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(&state.ConfigEntry{Service: "db", Gen: 2, Hash: state.HashSource(bad), Origin: other, Source: bad})
	if err := os.WriteFile(filepath.Join(n.StateDir, "config", "db.json"), b, 0o600); err != nil {
		t.Fatal(err)
	}
	h.StartDaemon(other)
	h.WaitDaemons()
	h.waitInForce(other, other+"'s daemon started on a store holding db's bad entry")
	if log, _ := os.ReadFile(n.Log); !strings.Contains(string(log), "config db: the stored entry is left out") {
		t.Errorf("%s's daemon did not say it left the stored entry of db out", other)
	}
	h.stillServedBy(h.holder, "after db's entry was refused")
}

// push hands one service's text to node's daemon through its API, as
// omapply does, and returns the version the daemon answered.
func (h *haLab) push(node, svc, src string) (state.ConfigVersion, error) {
	h.t.Helper()
	n, err := h.Node(node)
	if err != nil {
		h.t.Fatal(err)
	}
	c, err := wire.Connect(context.Background(), n.StateDir)
	if err != nil {
		h.t.Fatal(err)
	}
	vers, err := c.PushConfig(context.Background(), map[string]string{svc: src})
	h.t.Logf("%s: push %s: %+v, %v", node, svc, vers, err)
	return vers[svc], err
}

// waitInForce waits until node's daemon has web and db (at generation 1)
// in force, web running on the holder.
func (h *haLab) waitInForce(node, what string) {
	h.t.Helper()
	h.Check(h.AwaitMon(node, settleWithin, what, func(v *wire.MonView) error {
		web, db := clusterlab.MonServiceOf(v, "web"), clusterlab.MonServiceOf(v, "db")
		switch {
		case web == nil || db == nil:
			return fmt.Errorf("it has %d services in force (broken: %q)", len(v.Services), v.ConfigBroken)
		case db.Config.Gen != 1:
			return fmt.Errorf("db is at generation %d", db.Config.Gen)
		case !slices.Equal(web.Running, []string{h.holder}):
			return fmt.Errorf("web runs on %v", web.Running)
		}
		return nil
	}))
}
