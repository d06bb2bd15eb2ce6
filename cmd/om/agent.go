package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/omhcl/omhcl/cmd/internal/cli"
	"github.com/omhcl/omhcl/daemon"
	"github.com/omhcl/omhcl/encap"
	"github.com/omhcl/omhcl/engine"
	"github.com/omhcl/omhcl/lang"
	"github.com/omhcl/omhcl/plan"
	"github.com/omhcl/omhcl/providers"
	"github.com/spf13/cobra"
)

// newAgent is the protocol a node speaks to the om inside a container of
// an encapsulated service (package encap). Operators do not type it.
func newAgent(e *cli.Env, cf *configFlags) *cobra.Command {
	var expect, configHash string
	check := func(cmd *cobra.Command, svc string) (*lang.Config, error) {
		if err := checkBuild(e, expect); err != nil {
			return nil, err
		}
		cfg, err := agentConfig(e, cf)
		if err != nil || cfg.Service(svc) == nil {
			fmt.Fprintf(e.Err, "service %s is not in this agent's configuration\n", svc)
			return nil, cli.ExitError{Code: 4}
		}
		if configHash != "" && storedHash(e, svc) != configHash {
			fmt.Fprintf(e.Err, "service %s: this agent's configuration differs from the node's\n", svc)
			return nil, cli.ExitError{Code: 4}
		}
		return cfg, nil
	}
	status := &cobra.Command{
		Use:  "status SERVICE",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, err := check(cmd, args[0])
			if err != nil {
				return err
			}
			_, li, diags := plan.Drivers{Store: e.Store()}.Instance(cmd.Context(), cfg.Service(args[0]), e.NodeName())
			if diags.HasErrors() {
				return fmt.Errorf("%s", diags.Error())
			}
			st, err := withDaemon(cmd.Context(), e, args[0], li) // agent_daemon.go
			if err != nil {
				return err
			}
			return json.NewEncoder(e.Out).Encode(st)
		},
	}
	var target string
	var rids []string
	converge := &cobra.Command{
		Use:  "converge SERVICE",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, err := check(cmd, args[0])
			if err != nil {
				return err
			}
			if left, err := leaveToDaemon(cmd.Context(), e, args[0], plan.Target(target)); left || err != nil {
				return err // a daemon here places the service (agent_daemon.go)
			}
			_, res, err := engine.Converge(cmd.Context(), engine.Request{
				Config: cfg, Store: e.Store(), Node: e.NodeName(), Services: args[:1],
				Target: plan.Target(target), RIDs: rids, Log: providers.NewLog(e.Out), LockTimeout: e.LockTimeout,
			})
			if err == nil && res != nil {
				err = res.Err()
			}
			return err
		},
	}
	converge.Flags().StringVar(&target, "target", "up", "what the level should be")
	converge.Flags().StringSliceVar(&rids, "rid", nil, "only these resources")
	e.AddLockFlag(converge.Flags())
	version := &cobra.Command{
		Use:   "version",
		Short: "Print this om's build (its SHA-256)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			sha, err := encap.SelfSHA()
			if err != nil {
				return err
			}
			fmt.Fprintln(e.Out, sha)
			return nil
		},
	}
	for _, c := range []*cobra.Command{status, converge} {
		c.Flags().StringVar(&expect, "expect", "", "the build (SHA-256) the node expects")
		c.Flags().StringVar(&configHash, "config-hash", "", "the hash of the node's configuration of the service")
	}
	g := group("agent", "The protocol of the agent inside containers (used by nodes)", status, converge, version)
	g.Hidden = true
	return g
}

// checkBuild refuses to act as an agent of another build than the node's.
func checkBuild(e *cli.Env, expect string) error {
	if expect == "" {
		return nil
	}
	sha, err := encap.SelfSHA()
	if err != nil {
		return err
	}
	if sha != expect {
		fmt.Fprintf(e.Err, "this om is build %.12s, the node expects %.12s\n", sha, expect)
		return cli.ExitError{Code: encap.ExitMismatch}
	}
	return nil
}

// agentConfig is what the node pushed (the stored configurations), else
// the configuration files, as om reads them; nil when there are none.
func agentConfig(e *cli.Env, cf *configFlags) (*lang.Config, error) {
	stored := daemon.StoredSources(e.Store().Root)
	if len(stored) == 0 && len(cf.paths) == 0 && os.Getenv("OMHCL_CONFIG") == "" {
		if _, err := os.Stat(cli.DefaultConfigDir); err != nil {
			return nil, err
		}
	}
	return e.LoadConfig(cf.Paths())
}

// storedHash is the hash of the configuration the node pushed for svc.
func storedHash(e *cli.Env, svc string) string {
	src, ok := daemon.StoredSources(e.Store().Root)[filepath.Join(e.Store().Root, "config", svc+".hcl")]
	if !ok {
		return ""
	}
	return encap.HashSource(src)
}
