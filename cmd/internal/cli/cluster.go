package cli

import (
	"context"
	"fmt"

	"github.com/omhcl/omhcl/lang"
	"github.com/omhcl/omhcl/state"
	"github.com/omhcl/omhcl/wire"
)

// HandToCluster gives the named services' configuration to the cluster
// daemon when one runs on this node, and returns the services the caller
// still converges itself: those the orchestrator does not place
// (orchestrate = "no"). With no daemon, handed is false and every service
// stays local.
func (e *Env) HandToCluster(ctx context.Context, cfg *lang.Config, names []string) (local []string, handed bool, err error) {
	c, err := wire.Connect(ctx, e.Store().Root)
	if err != nil {
		return names, false, nil
	}
	sources := map[string]string{}
	for _, n := range names {
		sources[n] = string(cfg.ServiceSource(n))
	}
	versions, err := c.PushConfig(ctx, sources)
	if err != nil {
		return nil, true, fmt.Errorf("handing the configuration to the cluster: %w", err)
	}
	for _, n := range names {
		v := versions[n]
		inst, _ := cfg.Service(n).Evaluate(e.NodeName(), nil)
		if inst != nil && inst.Settings.Orchestrate != "no" {
			fmt.Fprintf(e.Out, "%s: configuration generation %d (%s) handed to the cluster; its orchestrator places the service (om mon)\n", n, v.Gen, v.Hash)
			continue
		}
		fmt.Fprintf(e.Out, "%s: configuration generation %d (%s) handed to the cluster\n", n, v.Gen, v.Hash)
		local = append(local, n)
	}
	return local, true, nil
}

// ClusterChanges says whether the cluster daemon runs on this node, and
// which of the named services have a configuration other than the one it
// keeps: those HandToCluster would change. A daemon that cannot say
// counts every service as changed.
func (e *Env) ClusterChanges(ctx context.Context, cfg *lang.Config, names []string) (changed []string, daemon bool) {
	c, err := wire.Connect(ctx, e.Store().Root)
	if err != nil {
		return nil, false
	}
	kept := map[string]string{}
	if mon, err := c.Mon(ctx); err == nil {
		for _, s := range mon.Services {
			kept[s.Name] = s.Config.Hash
		}
	}
	for _, n := range names {
		if h, ok := kept[n]; !ok || h != state.HashSource(string(cfg.ServiceSource(n))) {
			changed = append(changed, n)
		}
	}
	return changed, true
}
