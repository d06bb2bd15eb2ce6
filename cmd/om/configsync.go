package main

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/omhcl/omhcl/cmd/internal/cli"
	"github.com/omhcl/omhcl/plan"
	"github.com/omhcl/omhcl/providers"
	"github.com/omhcl/omhcl/wire"
)

// configSyncRID is the seed's rid of its "rsync svc config to nodes" line.
const configSyncRID = "sync#i0"

// configSyncFlags: optional (O) and nothing to provision (/): a
// configuration that lags somewhere does not make the service down.
const configSyncFlags = "...O./.."

// addConfigSync sets every service's sync#i0 line from what this node's
// daemon knows: its own configuration versions and those its peers
// report. Without a daemon the line is n/a and says why.
func addConfigSync(ctx context.Context, e *cli.Env, live *plan.Live) {
	if len(live.Services) == 0 {
		return
	}
	var view *wire.MonView
	c, err := wire.Connect(ctx, e.Store().Root)
	if err == nil {
		view, err = c.Mon(ctx)
	}
	for _, li := range live.Services {
		li.ConfigSync = configSync(view, err, li.Service)
	}
}

// configSync is svc's sync#i0 line in view, the daemon's view of the
// cluster (nil, with why, when no daemon answered): up when every alive
// node of the service (its nodes and drpnodes) reports the newest
// generation of its configuration, warn naming the nodes that lag, n/a
// when the daemon does not distribute it. A node not alive is not
// counted: the line says so.
func configSync(view *wire.MonView, why error, svc string) *plan.LiveResource {
	r := &plan.LiveResource{RID: configSyncRID, Kind: "sync", Type: "config", Status: providers.NA,
		Flags: configSyncFlags, Optional: true, Provisioned: true, Description: "config to nodes"}
	if view == nil {
		switch {
		case errors.Is(why, wire.ErrNoDaemon):
			r.Messages = []string{"info: no daemon runs on this node: nothing distributes the configuration"}
		default:
			r.Messages = []string{fmt.Sprintf("info: the daemon does not answer: %v", why)}
		}
		return r
	}
	i := slices.IndexFunc(view.Services, func(s wire.MonService) bool { return s.Name == svc })
	if i < 0 {
		r.Messages = []string{"info: the daemon does not distribute it: this configuration was never handed to the cluster (omapply on a node whose daemon runs)"}
		return r
	}
	s := view.Services[i]
	newest := s.Config
	for _, v := range s.Configs {
		if v.Newer(newest) {
			newest = v
		}
	}
	sets := "nodes"
	if len(s.DrpNodes) > 0 {
		sets += ", drpnodes"
	}
	r.Description = fmt.Sprintf("config generation %d (%s) to %s", newest.Gen, newest.Hash, sets)
	members := map[string]wire.MonNode{}
	for _, m := range view.Nodes {
		members[m.Name] = m
	}
	r.Status = providers.Up
	var lag, notCounted []string
	seen := map[string]bool{}
	for _, n := range append(slices.Clone(s.Nodes), s.DrpNodes...) {
		if seen[n] {
			continue
		}
		seen[n] = true
		m, member := members[n]
		switch {
		case !member:
			notCounted = append(notCounted, n+" is no member of the cluster")
			continue
		case m.Status != "alive":
			notCounted = append(notCounted, fmt.Sprintf("%s is %s", n, m.Status))
			continue
		}
		v, ok := s.Configs[n]
		if ok && v == newest {
			continue
		}
		held := "no copy"
		if ok {
			held = fmt.Sprintf("generation %d (%s)", v.Gen, v.Hash)
		}
		switch {
		case n == view.Node:
			lag = append(lag, fmt.Sprintf("%s (here) has %s", n, held))
		case m.Age == 0: // no report from it yet
			lag = append(lag, n+" has not reported yet")
		default:
			age := time.Duration(m.Age * float64(time.Second)).Round(100 * time.Millisecond)
			lag = append(lag, fmt.Sprintf("%s reported %s %s ago", n, held, age))
		}
	}
	if len(lag) > 0 {
		r.Status = providers.Warn
		r.Messages = append(r.Messages, "warn: "+strings.Join(lag, "; "))
	}
	if len(notCounted) > 0 {
		r.Messages = append(r.Messages, "info: not counted: "+strings.Join(notCounted, ", "))
	}
	for _, ref := range view.ConfigRefused {
		if ref.Service == svc {
			r.Status = providers.Warn
			r.Messages = append(r.Messages, "warn: "+refusalLine(ref))
		}
	}
	if view.ConfigBroken != "" {
		r.Status = providers.Warn
		r.Messages = append(r.Messages, "warn: the stored configurations do not load; the last good one is in force: "+view.ConfigBroken)
	}
	return r
}
