package main

import (
	"fmt"
	"strings"

	"github.com/omhcl/omhcl/cmd/internal/cli"
	"github.com/omhcl/omhcl/plan"
	"github.com/spf13/cobra"
)

// newSet records facts the node cannot observe: resources an operator
// created by hand are provisioned.
func newSet(e *cli.Env, cf *configFlags) *cobra.Command {
	var rids []string
	cmd := &cobra.Command{
		Use:   "set provisioned|unprovisioned SERVICE...",
		Short: "Record that resources are (or are not) provisioned, without touching them",
		Long: `set provisioned tells the node that a service's resources already exist (they
were created by hand), so plans start them without provisioning first. set
unprovisioned forgets it. Nothing on the system changes.`,
		Example: "  om svc1 set provisioned\n  om set provisioned svc1 --rid fs#app",
		Args:    cobra.MinimumNArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			var value bool
			switch args[0] {
			case "provisioned":
				value = true
			case "unprovisioned":
			default:
				return fmt.Errorf("unknown setting %q: want provisioned or unprovisioned", args[0])
			}
			cfg, names, err := cf.services(e, args[1:])
			if err != nil {
				return err
			}
			store := e.Store()
			for _, name := range names {
				svc := cfg.Service(name)
				inst, live, diags := plan.Drivers{Store: store}.Instance(cmd.Context(), svc, e.NodeName())
				if diags.HasErrors() {
					return fmt.Errorf("%s", diags.Error())
				}
				lock, err := store.LockService(cmd.Context(), name, e.LockTimeout)
				if err != nil {
					return err
				}
				rec, err := store.Load(name)
				if err == nil {
					for _, r := range inst.Resources {
						lr := live.Resource(r.RID())
						if !lr.Provisionable || (len(rids) > 0 && !matchRID(rids, r.RID())) {
							continue
						}
						rr := rec.Resource(r.RID())
						rr.Kind, rr.Type, rr.Name = r.Kind, r.Type, r.Name
						rr.Provisioned = value
					}
					err = store.Save(rec)
				}
				lock.Unlock()
				if err != nil {
					return err
				}
			}
			return nil
		},
	}
	e.AddLockFlag(cmd.Flags())
	cmd.Flags().StringSliceVar(&rids, "rid", nil, `only these resources ("fs#app", or a kind like "fs")`)
	return cmd
}

func matchRID(want []string, rid string) bool {
	for _, w := range want {
		if w == rid || strings.HasPrefix(rid, w+"#") {
			return true
		}
	}
	return false
}
