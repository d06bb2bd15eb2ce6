// Command om operates services on this node: status, start, stop,
// provision, unprovision, and the node's provisioned records.
package main

import (
	"context"
	"os"

	"github.com/omhcl/omhcl/cmd/internal/cli"
	"github.com/spf13/cobra"
)

func main() {
	root := newRoot(cli.New())
	cli.Main(root, seedOrder(root, os.Args[1:]))
}

// configFlags are shared by every om subcommand.
type configFlags struct{ paths []string }

func (c *configFlags) Paths() []string { return cli.ConfigPaths(c.paths) }

func newRoot(e *cli.Env) *cobra.Command {
	var cf configFlags
	root := &cobra.Command{
		Use:   "om",
		Short: "Operate services on this node",
		Long: `om shows and operates the services configured on this node. Services can be
named before the command, as in the OpenSVC agent: "om svc1 start" is
"om start svc1", "om svc1 print status" is "om status svc1".

Exit codes: 0 success, 1 error.`,
		Example: `  om status
  om svc1 set provisioned
  om svc1 start
  om svc1 start --rid app#web
  om svc1 stop
  om status --json > demo1-status.json   # a snapshot omplan --snapshot can plan against`,
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
		newDaemon(e),
		newCluster(e),
		newMon(e),
	)
	for _, name := range []string{"switch", "takeover", "giveback", "freeze", "thaw", "clear"} {
		root.AddCommand(newOrchestration(e, name))
	}
	return root
}

// seedOrder accepts the OpenSVC word order, SERVICE COMMAND, by moving the
// service after the command: "om svc1 set provisioned" runs
// "om set provisioned svc1", "om svc1 print status" runs "om status svc1".
func seedOrder(root *cobra.Command, args []string) []string {
	if len(args) < 2 || args[0] == "" || args[0][0] == '-' || isCommand(root, args[0]) {
		return args
	}
	svc, rest := args[0], args[1:]
	if rest[0] == "print" && len(rest) > 1 && rest[1] == "status" {
		rest = rest[1:]
	}
	if !isCommand(root, rest[0]) {
		return args
	}
	n := 1
	if rest[0] == "set" && len(rest) > 1 {
		n = 2
	}
	out := append([]string{}, rest[:n]...)
	out = append(out, svc)
	return append(out, rest[n:]...)
}

func isCommand(root *cobra.Command, name string) bool {
	for _, c := range root.Commands() {
		if c.Name() == name || c.HasAlias(name) {
			return true
		}
	}
	return name == "help" || name == "completion"
}
