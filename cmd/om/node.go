package main

import (
	"errors"
	"fmt"
	"os"
	"sort"
	"strings"

	"github.com/omhcl/omhcl/cluster"
	"github.com/omhcl/omhcl/cmd/internal/cli"
	"github.com/omhcl/omhcl/providers/syncbtrfs"
	"github.com/omhcl/omhcl/transport"
	"github.com/spf13/cobra"
)

// newNodeGroup groups what acts on the cluster's nodes rather than services.
func newNodeGroup(e *cli.Env) *cobra.Command {
	subs := []*cobra.Command{newNodeSSH(e), newBtrfsReceive(), newKvmRelay(), newNodeKeys(e), newNodeUnpin(e), newNodeEvents(e)}
	return group("node", "Act on this node and between the cluster's nodes", append(subs, newNodeMaintenance(e)...)...)
}

// newBtrfsReceive is the receiving end of a sync.btrfs send: the command
// the sync.btrfs driver builds for the daemon from a btrfs-receive
// request through the data channel, with this node's destination and
// keep (providers.SyncReceiver); hidden, as no operator types it.
func newBtrfsReceive() *cobra.Command {
	var keep int
	cmd := &cobra.Command{
		Use:    "btrfs-receive DST SNAPSHOT [PARENT]",
		Short:  "Receive a sync.btrfs snapshot on stdin and make it the copy at DST",
		Hidden: true,
		Args:   cobra.RangeArgs(2, 3),
		RunE: func(cmd *cobra.Command, args []string) error {
			rc, err := syncbtrfs.ParseRequest(append(append([]string{"btrfs-receive"}, args...), "")[:4])
			if err != nil {
				return err
			}
			rc.Keep = keep
			err = rc.Run(cmd.Context(), os.Stdin, cmd.ErrOrStderr())
			if errors.Is(err, syncbtrfs.ErrNoParent) {
				fmt.Fprintln(cmd.ErrOrStderr(), err)
				return cli.ExitError{Code: syncbtrfs.ExitNoParent}
			}
			return err
		},
	}
	cmd.Flags().IntVar(&keep, "keep", 0, "snapshots kept (0: the driver's default)")
	return cmd
}

// newNodeSSH runs a command on another member through the cluster's data
// channel, streaming stdin and stdout: rsync's remote shell for syncs.
func newNodeSSH(e *cli.Env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "ssh NODE COMMAND [ARG...]",
		Short: "Run a command on another member, through the cluster's authenticated channel",
		Long: `ssh runs COMMAND on NODE, through the data channel every daemon serves on its
peer port: SSH, each node with its own key and a certificate of the cluster key
(derived from the secret), so no sshd runs and no key is exchanged by hand.
Only the receiving end of a sync runs there, and NODE's daemon never runs the
words it is sent: for rsync --server it builds the command its own copy of the
sync resource writing to that destination makes, and refuses a request that
differs. rsync uses it as its remote shell; by hand, with the resource's
options (those om SVC sync update logs; here sync.rsync's defaults):

  rsync -rlptgoHS --delete --stats --timeout=120 -e "om node ssh" /srv/data/ node2:/srv/data/

Other options are refused, naming the command NODE expected:

  refused: data.sync#0 on node2 receives into /srv/data with "rsync --server -lHogtprSe.* --timeout=120 --delete --stats . /srv/data/" only, not "rsync --server -logDtpre.iLsfxCIvu . /srv/data/" (...)

stdin and stdout stream unchanged; the exit code is COMMAND's. A node that
answers nothing for the cluster's data_timeout (30s, 4s in the fast profile)
ends the command with an error: it died, or its link did.`,
		Example: `  rsync -rlptgoHS --delete --stats --timeout=120 -e "om node ssh" /srv/data/ node2:/srv/data/`,
		Args:    cobra.MinimumNArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := cluster.Load(e.Store().Root)
			if err != nil {
				return err
			}
			gossip, ok := c.Addrs[args[0]]
			if !ok {
				known := make([]string, 0, len(c.Addrs))
				for n := range c.Addrs {
					known = append(known, n)
				}
				sort.Strings(known)
				return fmt.Errorf("node %s: no address known (the members seen: %s)", args[0], strings.Join(known, ", "))
			}
			addr, err := cluster.PeerAddr(gossip)
			if err != nil {
				return err
			}
			t, err := c.Timings()
			if err != nil {
				return err
			}
			id, err := transport.LoadIdentity(e.Store().Root, e.NodeName(), func() string { return c.Secret })
			if err != nil {
				return err
			}
			code, err := transport.Run(cmd.Context(), id, args[0], addr, args[1:], os.Stdin, e.Out, e.Err, t.DataTimeout)
			if err != nil {
				return fmt.Errorf("node %s (%s): %w", args[0], addr, err)
			}
			if code != 0 {
				return cli.ExitError{Code: code}
			}
			return nil
		},
	}
	// rsync appends its own words after the node: they are not om's flags
	cmd.Flags().SetInterspersed(false)
	return cmd
}
