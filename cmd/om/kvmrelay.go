package main

import (
	"fmt"
	"os"

	"github.com/omhcl/omhcl/providers/containerkvm"
	"github.com/spf13/cobra"
)

// newKvmRelay is the receiving end of a live migration of a container.kvm
// resource: the command the driver builds for the daemon from a
// migrate-in request through the data channel, with this node's libvirtd,
// domain name and UUID (providers.Migrator); hidden, as no operator
// types it. It joins stdin and stdout to the node's libvirtd, letting
// through only what a migration destination is asked.
func newKvmRelay() *cobra.Command {
	var uri, name, uuid string
	cmd := &cobra.Command{
		Use:    "kvm-relay --uri URI --name DOMAIN --uuid UUID",
		Short:  "Relay an incoming live migration of DOMAIN on stdin and stdout to this node's libvirtd",
		Hidden: true,
		Args:   cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if uri == "" || name == "" || uuid == "" {
				return fmt.Errorf("--uri, --name and --uuid are needed")
			}
			return containerkvm.Relay(cmd.Context(), uri, name, uuid, os.Stdin, os.Stdout)
		},
	}
	cmd.Flags().StringVar(&uri, "uri", "", "this node's libvirtd")
	cmd.Flags().StringVar(&name, "name", "", "the domain that may come in")
	cmd.Flags().StringVar(&uuid, "uuid", "", "its UUID")
	return cmd
}
