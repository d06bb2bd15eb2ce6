package main

import (
	"fmt"
	"maps"
	"slices"

	"github.com/spf13/cobra"
	"golang.org/x/crypto/ssh"

	"github.com/omhcl/omhcl/cmd/internal/cli"
	"github.com/omhcl/omhcl/transport"
)

// pinnedKeys is this node's identity on the transport, without the
// secret (enough to read and change its keys), and the keys it pinned.
func pinnedKeys(e *cli.Env) (*transport.Identity, map[string]ssh.PublicKey, error) {
	id, err := transport.LoadIdentity(e.Store().Root, e.NodeName(), func() string { return "" })
	if err != nil {
		return nil, nil, err
	}
	pins, err := id.Pins.List()
	return id, pins, err
}

// newNodeKeys lists this node's key and the keys it pinned for others.
func newNodeKeys(e *cli.Env) *cobra.Command {
	return &cobra.Command{
		Use:   "keys",
		Short: "Show this node's key and the keys it pinned for the others",
		Long: `Show this node's own key (STATE_DIR/node_key) and the key of every other
node, pinned at their first authenticated contact (STATE_DIR/known_nodes):
the transport refuses another key for a pinned node (docs/security.md).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			id, pins, err := pinnedKeys(e)
			if err != nil {
				return err
			}
			fmt.Fprintf(e.Out, "%-12s %s (this node)\n", id.Node, ssh.FingerprintSHA256(id.Key.PublicKey()))
			for _, node := range slices.Sorted(maps.Keys(pins)) {
				fmt.Fprintf(e.Out, "%-12s %s\n", node, ssh.FingerprintSHA256(pins[node]))
			}
			return nil
		},
	}
}

// newNodeUnpin forgets a node's pinned key, after it was reinstalled.
func newNodeUnpin(e *cli.Env) *cobra.Command {
	return &cobra.Command{
		Use:   "unpin NODE",
		Short: "Forget the key pinned for NODE: its next contact pins the key it shows",
		Long: `Forget the key this node pinned for NODE. Run it on every other node once
NODE was reinstalled (a new state directory makes a new key, which the
others refuse: "key changed since it was pinned"). Its next contact pins
the key it shows then: make sure NODE is the machine you reinstalled.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, pins, err := pinnedKeys(e)
			if err != nil {
				return err
			}
			key, ok := pins[args[0]]
			if !ok {
				return fmt.Errorf("%s: no key pinned here (om node keys lists them)", args[0])
			}
			if _, err := id.Pins.Unpin(args[0]); err != nil {
				return err
			}
			fmt.Fprintf(e.Out, "%s: key %s forgotten: its next contact pins the key it shows\n", args[0], ssh.FingerprintSHA256(key))
			return nil
		},
	}
}
