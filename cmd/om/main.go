// Command om operates services on this node: status, start, stop,
// provision, unprovision, and the node's provisioned records.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/omhcl/omhcl/cmd/internal/cli"
	"github.com/omhcl/omhcl/internal/buildinfo"
	"github.com/omhcl/omhcl/internal/clidocs"
	"github.com/omhcl/omhcl/lang"
	"github.com/spf13/cobra"
)

func main() {
	e := cli.New()
	root := newRoot(e)
	buildinfo.AddVersion(root, true) // "om version" is a command, no service
	args := os.Args[1:]
	switch {
	case clidocs.Requested(args): // make install's man pages and completion
		cli.Exit(root, clidocs.Run(root, args[1:], os.Stdout))
	case isCompletion(args): // the shell's tab, in either word order
		args = completionArgs(root, e, args)
	default:
		var err error
		if args, err = seedOrder(root, args); err != nil {
			cli.Exit(root, err)
		}
	}
	cli.Main(root, args)
}

// configFlags are shared by every om subcommand.
type configFlags struct{ paths []string }

func (c *configFlags) Paths() []string { return cli.ConfigPaths(c.paths) }

func newRoot(e *cli.Env) *cobra.Command {
	var cf configFlags
	root := &cobra.Command{
		Use:   "om",
		Short: "Operate services on this node",
		// seedOrder suggests before cobra would set it
		SuggestionsMinimumDistance: 2,
		Long: `om shows and operates the services configured on this node. Services can be
named before the command, as in the OpenSVC agent: "om svc1 start" is
"om start svc1", "om svc1 print status" is "om status svc1".

Wherever a service name is taken, a selector picks services: a glob on
names ("web*", path.Match syntax) or an OpenSVC object path
NAMESPACE/KIND/NAME whose parts are globs ("*/svc/*"). omhcl has one
namespace and one kind: every service is root/svc/NAME. Commas join
selectors ("web*,db1"). A selector that matches nothing is an error.

Exit codes: 0 success, 1 error.`,
		Example: `  om status
  om svc1 set provisioned
  om svc1 start
  om svc1 start --rid app#web
  om svc1 stop
  om svc1 stop --local --rid app#web   # this node only, even when the daemon runs
  om svc1 edit config
  om 'web*' status
  om '*/svc/*' ls
  om status --json > demo1-status.json   # a snapshot omplan --snapshot can plan against`,
	}
	// given nothing, as a group: the help on stderr, and exit 1
	root.Args = cobra.NoArgs
	root.RunE = func(cmd *cobra.Command, args []string) error {
		cmd.SetOut(cmd.ErrOrStderr())
		cmd.Help()
		return errors.New("om needs a command: om status shows the services, om mon the cluster")
	}
	root.SetContext(context.Background())
	e.AddFlags(root.PersistentFlags())
	root.PersistentFlags().StringSliceVar(&cf.paths, "config", nil, "configuration files or directories (default $OMHCL_CONFIG, else /etc/omhcl)")
	root.AddCommand(
		newStatus(e, &cf),
		newAction(e, &cf, "start", "Start services (or some of their resources) on this node"),
		newAction(e, &cf, "stop", "Stop services (or some of their resources) on this node"),
		newAction(e, &cf, "provision", "Provision the resources of services, then start them"),
		newAction(e, &cf, "unprovision", "Stop and unprovision services: DESTROYS their data"),
		newSet(e, &cf),
		newLs(e, &cf),
		newCreate(e, &cf),
		group("edit", "Edit a service's configuration", newEditConfig(e, &cf)),
		// the seed's "om svc1 print status" is status; print config, json
		// status, restart and logs: print.go, restart.go, logs.go
		newPrint(e, &cf), newJSON(e, &cf), newRestart(e, &cf), newLogs(e, &cf),
		newDaemon(e),
		newCluster(e),
		newMon(e),
		newEvents(e),
		newAgent(e),
		newNodeGroup(e),
		newSync(e, &cf),
		newImport(e), // OpenSVC INI configurations to HCL: import.go
	)
	for _, name := range []string{"switch", "takeover", "giveback", "freeze", "thaw", "clear"} {
		root.AddCommand(newOrchestration(e, &cf, name))
	}
	return root
}

// group is a command that only holds subcommands. Given none, it prints
// its help on stderr and exits 1, so that a script that forgot the
// command fails instead of going on as if it had acted; an unknown one is
// an error naming it rather than the usage.
func group(name, short string, subs ...*cobra.Command) *cobra.Command {
	cmd := &cobra.Command{
		Use:   name + " COMMAND",
		Short: short,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				cmd.SetOut(cmd.ErrOrStderr())
				cmd.Help()
				return fmt.Errorf("%q needs one of the commands above", cmd.CommandPath())
			}
			return fmt.Errorf("unknown command %q for %q", args[0], cmd.CommandPath())
		},
	}
	cmd.AddCommand(subs...)
	return cmd
}

// services loads the configuration and expands the selectors of args.
func (c *configFlags) services(e *cli.Env, args []string) (*lang.Config, []string, error) {
	cfg, err := e.LoadConfig(c.Paths())
	if err != nil {
		return nil, nil, err
	}
	names, err := cli.Select(cfg, args)
	return cfg, names, err
}

// resolve expands the selectors of args; plain names pass as they are, so
// the daemon's commands need no local configuration to name a service.
func (c *configFlags) resolve(e *cli.Env, args []string) ([]string, error) {
	if !cli.AnySelector(args) {
		return args, nil
	}
	_, names, err := c.services(e, args)
	return names, err
}
