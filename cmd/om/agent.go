package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/omhcl/omhcl/cmd/internal/cli"
	"github.com/omhcl/omhcl/encap"
	"github.com/omhcl/omhcl/engine"
	"github.com/omhcl/omhcl/lang"
	"github.com/omhcl/omhcl/plan"
	"github.com/omhcl/omhcl/providers"
	"github.com/omhcl/omhcl/state"
	"github.com/spf13/cobra"
)

// agentFlags are what every agent call carries: the build and the version
// of the configuration the node expects.
type agentFlags struct {
	expect     string
	configGen  int64
	configHash string
	nonce      string
}

func (f *agentFlags) add(c *cobra.Command) {
	c.Flags().StringVar(&f.nonce, "nonce", "", "printed in the last line on success: the proof of an om agent's answer")
	c.Flags().StringVar(&f.expect, "expect", "", "the build (SHA-256) the node expects")
	c.Flags().Int64Var(&f.configGen, "config-gen", 0, "the generation of the node's configuration of the service")
	c.Flags().StringVar(&f.configHash, "config-hash", "", "the hash of the node's configuration of the service")
}

// newAgent is the protocol a node speaks to the om inside a container of
// an encapsulated service (package encap). Operators do not type it.
func newAgent(e *cli.Env) *cobra.Command {
	var f agentFlags
	status := &cobra.Command{
		Use:  "status SERVICE",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			mine, cfg, err := f.check(e, args[0], true)
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
			live, err := json.Marshal(st.LiveInstance)
			if err != nil {
				return err
			}
			return json.NewEncoder(e.Out).Encode(encap.Report{Live: live, Config: mine.Version(), Origin: mine.Origin, Orchestrated: st.Orchestrated})
		},
	}
	var target string
	var rids []string
	converge := &cobra.Command{
		Use:  "converge SERVICE",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			_, cfg, err := f.check(e, args[0], false)
			if err != nil {
				return err
			}
			if left, err := leaveToDaemon(cmd.Context(), e, args[0], plan.Target(target)); left || err != nil {
				return err // a daemon here places the service (agent_daemon.go)
			}
			return engine.Err(engine.Converge(cmd.Context(), engine.Request{
				Config: cfg, Store: e.Store(), Node: e.NodeName(), Services: args[:1],
				Target: plan.Target(target), RIDs: rids, Log: providers.NewLog(e.Out), LockTimeout: e.LockTimeout,
			}))
		},
	}
	converge.Flags().StringVar(&target, "target", "up", "what the level should be")
	converge.Flags().StringSliceVar(&rids, "rid", nil, "only these resources")
	e.AddLockFlag(converge.Flags())
	config := &cobra.Command{
		Use:  "config SERVICE",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			mine, _, err := f.check(e, args[0], true)
			if err != nil {
				return err
			}
			return json.NewEncoder(e.Out).Encode(mine)
		},
	}
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
	for _, c := range []*cobra.Command{status, converge, config} {
		f.add(c)
	}
	install := &cobra.Command{
		Use:  "install PATH",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			// the node copied this binary beside PATH: moved in one rename,
			// an agent is never half there
			self, err := os.Executable()
			if err != nil {
				return err
			}
			return os.Rename(self, args[0])
		},
	}
	g := group("agent", "The protocol of the agent inside containers (used by nodes)", status, converge, config, version, install)
	g.Hidden = true
	g.PersistentPostRun = func(cmd *cobra.Command, args []string) {
		if f.nonce != "" {
			fmt.Fprintln(e.Out, encap.ProofLine(f.nonce))
		}
	}
	return g
}

// check refuses to act as an agent of another build than the node's, or
// with an older configuration than the node's (which the node then
// pushes), or, unless reporting, with a conflicting one. It returns the
// configuration the node pushed, loaded.
func (f *agentFlags) check(e *cli.Env, svc string, reporting bool) (*state.ConfigEntry, *lang.Config, error) {
	if f.expect != "" {
		sha, err := encap.SelfSHA()
		if err != nil {
			return nil, nil, err
		}
		if sha != f.expect {
			fmt.Fprintf(e.Err, "this om is build %.12s, the node expects %.12s\n", sha, f.expect)
			return nil, nil, cli.ExitError{Code: encap.ExitMismatch}
		}
	}
	mine := e.Store().LoadConfig(svc)
	code, msg := encap.ConfigCheck(mine, state.ConfigVersion{Gen: f.configGen, Hash: f.configHash})
	if code != 0 && !(reporting && code == encap.ExitConfigConflict) {
		fmt.Fprintln(e.Err, msg)
		return nil, nil, cli.ExitError{Code: code}
	}
	cfg, err := e.LoadFiles(map[string][]byte{filepath.Join(e.Store().ConfigDir(), svc+".hcl"): []byte(mine.Source)})
	if err != nil {
		// broken, whatever its generation: the node's replaces it
		fmt.Fprintf(e.Err, "the configuration of %s kept at %s does not load: the node pushes its own\n", svc, e.Store().ConfigPath(svc))
		return nil, nil, cli.ExitError{Code: 4}
	}
	if cfg.Service(svc) == nil {
		return nil, nil, fmt.Errorf("the configuration kept for %s does not declare it", svc)
	}
	return mine, cfg, nil
}
