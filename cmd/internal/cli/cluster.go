package cli

import (
	"context"
	"fmt"

	"github.com/omhcl/omhcl/lang"
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
