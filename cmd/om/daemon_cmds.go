package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"time"

	"github.com/omhcl/omhcl/cmd/internal/cli"
	"github.com/omhcl/omhcl/wire"
	"github.com/spf13/cobra"
)

// unitName is the systemd unit of the daemon (contrib/omhcl.service).
const unitName = "omhcl.service"

// newDaemonStart starts the daemon the way this node runs it: through
// systemd when the unit is installed, else it says how, with rc 1. It
// never runs a daemon of its own in the background: one started by hand
// outside the unit would not be restarted, nor stopped at shutdown.
func newDaemonStart(e *cli.Env) *cobra.Command {
	var wait time.Duration
	cmd := &cobra.Command{
		Use:   "start",
		Short: "Start the daemon through systemd (systemctl start omhcl), or say how",
		Long: `start starts the node's daemon through its systemd unit (contrib/omhcl.service,
installed as omhcl.service) and waits until it answers on its socket. Where
the unit is not installed or systemd does not run, it starts nothing, says
how to run the daemon (om daemon run in the foreground, or under a
supervisor) and exits 1. A daemon that answers already is left as it is.`,
		Example: "  om daemon start\n  om daemon start --wait 30s",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			if c, err := wire.Connect(ctx, e.Store().Root); err == nil {
				v, err := c.Mon(ctx)
				if err != nil {
					return err
				}
				fmt.Fprintf(e.Out, "daemon: already running on %s\n", v.Node)
				return nil
			}
			if why := systemdUnit(ctx); why != "" {
				fmt.Fprintf(e.Err, "om: daemon start: %s: nothing started.\n"+
					"Run the daemon in the foreground (or under your supervisor): om daemon run --bind ADDR:7946\n"+
					"or install the unit: cp contrib/omhcl.service /etc/systemd/system/ && systemctl enable --now omhcl\n", why)
				return cli.ErrReported
			}
			out, err := exec.CommandContext(ctx, "systemctl", "start", unitName).CombinedOutput()
			if err != nil {
				return fmt.Errorf("systemctl start %s: %v: %s (journalctl -u omhcl says why)", unitName, err, strings.TrimSpace(string(out)))
			}
			deadline := time.Now().Add(wait)
			for {
				if c, err := wire.Connect(ctx, e.Store().Root); err == nil {
					v, err := c.Mon(ctx)
					if err != nil {
						return err
					}
					fmt.Fprintf(e.Out, "daemon: started by systemd (%s), running on %s\n", unitName, v.Node)
					return nil
				}
				if time.Now().After(deadline) {
					return fmt.Errorf("systemctl started %s, but no daemon answers on %s after %s: systemctl status omhcl, journalctl -u omhcl (the unit's OMHCL_STATE_DIR may differ from this shell's)",
						unitName, wire.SocketPath(e.Store().Root), wait)
				}
				time.Sleep(200 * time.Millisecond)
			}
		},
	}
	cmd.Flags().DurationVar(&wait, "wait", 30*time.Second, "how long to wait for the started daemon to answer")
	return cmd
}

// systemdUnit says why the daemon cannot be started through systemd
// here, "" when it can.
func systemdUnit(ctx context.Context) string {
	if fi, err := os.Stat("/run/systemd/system"); err != nil || !fi.IsDir() {
		return "systemd does not run on this machine"
	}
	if _, err := exec.LookPath("systemctl"); err != nil {
		return "no systemctl"
	}
	if err := exec.CommandContext(ctx, "systemctl", "cat", unitName).Run(); err != nil {
		return "the systemd unit " + unitName + " is not installed"
	}
	return ""
}

// daemonStatus is om daemon status --json.
type daemonStatus struct {
	Running bool   `json:"running"`
	Socket  string `json:"socket"`
	Error   string `json:"error,omitempty"`
	Node    string `json:"node,omitempty"`
	Profile string `json:"profile,omitempty"`
	Quorum  bool   `json:"quorum"`
	// Members are the nodes the daemon knows, Alive those alive.
	Members  []string `json:"members,omitempty"`
	Alive    []string `json:"alive,omitempty"`
	Services int      `json:"services"`
	// Maintenance is the node's drain and freeze state.
	Maintenance *wire.NodeState `json:"maintenance,omitempty"`
}

func newDaemonStatus(e *cli.Env) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "status",
		Short: "Say whether the local daemon runs, and its view in brief",
		Long: `status says whether the daemon answers on its socket, and its view in brief:
node, timing profile, quorum, the members alive, and the node's maintenance
(drained, frozen). It exits 1 when no daemon answers. --json prints the
same as a document (with "running": false and the error when none answers).`,
		Example: "  om daemon status\n  om daemon status --json | jq .quorum",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			st := readDaemonStatus(cmd.Context(), e)
			if asJSON {
				enc := json.NewEncoder(e.Out)
				enc.SetIndent("", "  ")
				if err := enc.Encode(st); err != nil {
					return err
				}
			} else if st.Running {
				line := fmt.Sprintf("daemon: running on %s, profile %s, quorum %v, alive: %s", st.Node, st.Profile, st.Quorum, strings.Join(st.Alive, " "))
				if m := st.Maintenance; m != nil && m.Maintenance() != "" {
					line += ", this node " + strings.ReplaceAll(m.Maintenance(), "*", " and frozen")
				}
				fmt.Fprintln(e.Out, line)
			} else {
				fmt.Fprintf(e.Out, "daemon: not running (%s)\n", st.Error)
			}
			if !st.Running {
				return cli.ErrReported
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the status as JSON")
	return cmd
}

func readDaemonStatus(ctx context.Context, e *cli.Env) daemonStatus {
	st := daemonStatus{Socket: wire.SocketPath(e.Store().Root)}
	c, err := wire.Connect(ctx, e.Store().Root)
	if err == nil {
		var v *wire.MonView
		if v, err = c.Mon(ctx); err == nil {
			st.Running, st.Node, st.Profile, st.Quorum, st.Services = true, v.Node, v.Profile, v.Quorum, len(v.Services)
			for _, n := range v.Nodes {
				st.Members = append(st.Members, n.Name)
				if n.Status == "alive" {
					st.Alive = append(st.Alive, n.Name)
				}
			}
			// a daemon older than the maintenance API has none to say
			if m, err := c.Node(ctx); err == nil {
				st.Maintenance = m
			}
		}
	}
	if err != nil {
		st.Error = err.Error()
		if errors.Is(err, wire.ErrNoDaemon) && !strings.Contains(st.Error, st.Socket) {
			st.Error += " on " + st.Socket
		}
	}
	return st
}
