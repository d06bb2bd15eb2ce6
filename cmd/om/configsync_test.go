package main

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/omhcl/omhcl/plan"
	"github.com/omhcl/omhcl/providers"
	"github.com/omhcl/omhcl/state"
	"github.com/omhcl/omhcl/wire"
)

// sync#i0 as node1's daemon sees the distribution of web's configuration
// (nodes node1..node3, drpnode node4): up when every alive node reports
// the newest generation; warn naming a node that lags, with the age of
// its report, or this node when a peer reports a newer one; a node not
// alive is not counted; n/a without a daemon, or for a service the
// daemon does not know.
func TestConfigSyncLine(t *testing.T) {
	g1 := state.ConfigVersion{Gen: 1, Hash: "7b73776ae1f4668c"}
	g2 := state.ConfigVersion{Gen: 2, Hash: "0a1b2c3d4e5f6071"}
	view := func(here state.ConfigVersion, node3 string, configs map[string]state.ConfigVersion) *wire.MonView {
		return &wire.MonView{
			Node: "node1",
			Nodes: []wire.MonNode{
				{Name: "node1", Status: "alive"},
				{Name: "node2", Status: "alive", Age: 0.2},
				{Name: "node3", Status: node3, Age: 4.25},
				{Name: "node4", Status: "alive", Age: 0.2},
			},
			Services: []wire.MonService{{Name: "web", Nodes: []string{"node1", "node2", "node3"}, DrpNodes: []string{"node4"},
				Config: here, Configs: configs}},
		}
	}
	for _, c := range []struct {
		name  string
		view  *wire.MonView
		why   error
		state providers.State
		desc  string
		msgs  []string
	}{
		{"every node", view(g2, "alive", map[string]state.ConfigVersion{"node1": g2, "node2": g2, "node3": g2, "node4": g2}), nil,
			providers.Up, "config generation 2 (0a1b2c3d4e5f6071) to nodes, drpnodes", nil},
		{"a node lags", view(g2, "alive", map[string]state.ConfigVersion{"node1": g2, "node2": g2, "node3": g1, "node4": g2}), nil,
			providers.Warn, "config generation 2 (0a1b2c3d4e5f6071) to nodes, drpnodes",
			[]string{"warn: node3 reported generation 1 (7b73776ae1f4668c) 4.3s ago"}},
		{"this node lags", view(g1, "alive", map[string]state.ConfigVersion{"node1": g1, "node2": g2, "node3": g2, "node4": g2}), nil,
			providers.Warn, "config generation 2 (0a1b2c3d4e5f6071) to nodes, drpnodes",
			[]string{"warn: node1 (here) has generation 1 (7b73776ae1f4668c)"}},
		{"a node without it, one not alive", view(g2, "failed", map[string]state.ConfigVersion{"node1": g2, "node2": g2, "node3": g1}), nil,
			providers.Warn, "config generation 2 (0a1b2c3d4e5f6071) to nodes, drpnodes",
			[]string{"warn: node4 reported no copy 200ms ago", "info: not counted: node3 is failed"}},
		{"an edit refused", refused(view(g1, "alive", map[string]state.ConfigVersion{"node1": g1, "node2": g1, "node3": g1, "node4": g1})), nil,
			providers.Warn, "config generation 1 (7b73776ae1f4668c) to nodes, drpnodes",
			[]string{"warn: web: generation 2 (0a1b2c3d4e5f6071) from vm1 (container#0) refused 0s ago: it changes the node's level; to make this change, make it on the node: om web edit config on node1 (or omapply there)"}},
		{"no daemon", nil, fmt.Errorf("%w: gone", wire.ErrNoDaemon),
			providers.NA, "config to nodes",
			[]string{"info: no daemon runs on this node: nothing distributes the configuration"}},
		{"a daemon that fails", nil, errors.New("connection refused"),
			providers.NA, "config to nodes", []string{"info: the daemon does not answer: connection refused"}},
		{"a service the daemon does not know", &wire.MonView{Node: "node1"}, nil,
			providers.NA, "config to nodes",
			[]string{"info: the daemon does not distribute it: this configuration was never handed to the cluster (omapply on a node whose daemon runs)"}},
	} {
		r := configSync(c.view, c.why, "web")
		if r.RID != "sync#i0" || r.Flags != "...O./.." || r.Status != c.state || r.Description != c.desc || strings.Join(r.Messages, "\n") != strings.Join(c.msgs, "\n") {
			t.Errorf("%s: %s %s %s %q\n%q", c.name, r.RID, r.Flags, r.Status, r.Description, r.Messages)
		}
	}
}

// refused is v where node1 refused an edit of web made in vm1, and one of
// another service.
func refused(v *wire.MonView) *wire.MonView {
	v.ConfigRefused = []wire.ConfigRefusal{
		{Service: "db", Version: state.ConfigVersion{Gen: 7, Hash: "ffff"}, From: "peer node2", Why: "does not load", At: time.Now()},
		{Service: "web", Version: state.ConfigVersion{Gen: 2, Hash: "0a1b2c3d4e5f6071"}, From: "vm1 (container#0)", Why: "it changes the node's level", At: time.Now(),
			Accept: "to make this change, make it on the node: om web edit config on node1 (or omapply there)"},
	}
	return v
}

// The line closes the tree, under the service's own resources, with its
// messages aligned as theirs.
func TestConfigSyncInTheTree(t *testing.T) {
	live := &plan.Live{Node: "node1", Services: []*plan.LiveInstance{{
		Service: "web", Node: "node1", Status: providers.Up, Role: "primary", Provisioned: true,
		Resources: []*plan.LiveResource{{RID: "ip#web", Status: providers.Up, Flags: "......./", Description: "198.18.10.100/24 eth0"}},
		ConfigSync: &plan.LiveResource{RID: "sync#i0", Status: providers.Warn, Flags: "...O./..",
			Description: "config generation 2 (0a1b2c3d4e5f6071) to nodes", Messages: []string{"warn: node3 reported generation 1 (7b73776ae1f4668c) 4.3s ago"}},
	}}}
	var b strings.Builder
	writeTree(&b, live, false)
	want := "" +
		"      |- ip#web         ......./ up         198.18.10.100/24 eth0\n" +
		"      `- sync#i0        ...O./.. warn       config generation 2 (0a1b2c3d4e5f6071) to nodes\n" +
		"                                            warn: node3 reported generation 1 (7b73776ae1f4668c) 4.3s ago\n"
	if !strings.HasSuffix(b.String(), want) {
		t.Errorf("tree:\n%s\nwant it to end with:\n%s", b.String(), want)
	}
}
