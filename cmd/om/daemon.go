package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/omhcl/omhcl/cluster"
	"github.com/omhcl/omhcl/cmd/internal/cli"
	"github.com/omhcl/omhcl/daemon"
	"github.com/omhcl/omhcl/wire"
	"github.com/spf13/cobra"
)

func newDaemon(e *cli.Env) *cobra.Command {
	return group("daemon", "Run and join the cluster daemon", newDaemonRun(e), newDaemonStart(e), newDaemonJoin(e), newDaemonStatus(e))
}

func newDaemonRun(e *cli.Env) *cobra.Command {
	var bind, profile string
	var remote daemon.RemoteAPI
	var metrics daemon.MetricsAPI
	var noEvents bool
	var logFormat string
	cmd := &cobra.Command{
		Use:   "run",
		Short: "Run the daemon in the foreground (systemd: contrib/omhcl.service)",
		Long: `run starts the node's daemon: serf gossip on --bind (encrypted with the
cluster secret), the peer API on the next port, and the local API on the
unix socket STATE_DIR/daemon.sock (root only). On its first start the node
makes a cluster of one with a new secret; "om daemon join" joins another.

It logs on stderr with log/slog: a level and an RFC 3339 time on every line,
key=value text, or one JSON object per line with --log-format json. SIGTERM
or SIGINT stop it (the log says which); its services keep running.

Prometheus metrics (docs/metrics.md) are served at GET /metrics on the API
socket, and on TCP with --metrics-addr (off by default), with a bearer token
when --metrics-token-file is set and TLS with --metrics-cert and --metrics-key.`,
		Example: "  om daemon run --bind 198.18.10.1:7946 --profile fast\n" +
			"  om daemon run --bind 198.18.10.1:7946 --metrics-addr 198.18.10.1:9436 --metrics-token-file /etc/omhcl/metrics.token --log-format json",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			d, err := daemon.New(daemon.Options{Node: e.NodeName(), StateDir: e.StateDir, Bind: bind, Profile: profile, Remote: remote,
				Metrics: metrics, NoEvents: noEvents, Log: e.Err, LogFormat: logFormat})
			if err != nil {
				return err
			}
			return d.Run(signalContext())
		},
	}
	cmd.Flags().StringVar(&bind, "bind", "0.0.0.0:7946", "gossip address; the peer API listens on the next port")
	cmd.Flags().StringVar(&profile, "profile", "", "timing profile: default or fast (saved in the cluster settings)")
	cmd.Flags().StringVar(&remote.Addr, "api-tcp", "", "also serve the API on this TCP address, with TLS and a bearer token (off by default)")
	cmd.Flags().StringVar(&remote.CertFile, "api-cert", "", "TLS certificate of the TCP API")
	cmd.Flags().StringVar(&remote.KeyFile, "api-key", "", "TLS key of the TCP API")
	cmd.Flags().StringVar(&remote.TokenFile, "api-token-file", "", "file holding the bearer token clients must send (OMHCL_API_TOKEN on their side)")
	cmd.Flags().StringVar(&metrics.Addr, "metrics-addr", "", "also serve the Prometheus metrics on this TCP address, GET /metrics (off by default)")
	cmd.Flags().StringVar(&metrics.TokenFile, "metrics-token-file", "", "file holding the bearer token a scrape must send (at least 16 characters)")
	cmd.Flags().StringVar(&metrics.CertFile, "metrics-cert", "", "TLS certificate of the metrics listener (with --metrics-key)")
	cmd.Flags().StringVar(&metrics.KeyFile, "metrics-key", "", "TLS key of the metrics listener")
	cmd.Flags().StringVar(&logFormat, "log-format", daemon.LogText, "log format: text (key=value) or json (one object per line)")
	cmd.Flags().BoolVar(&noEvents, "no-events", false, "do not follow the container engines' event streams: check monitored resources at the monitor interval only (an engine whose stream is unreliable)")
	return cmd
}

// signalContext ends at SIGINT or SIGTERM, the signal as its cause (the
// daemon's last lines say why it stopped). A second signal kills at once.
func signalContext() context.Context {
	ctx, cancel := context.WithCancelCause(context.Background())
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM)
	go func() {
		s := <-sigs
		signal.Stop(sigs)
		cancel(fmt.Errorf("signal %s", s))
	}()
	return ctx
}

func newDaemonJoin(e *cli.Env) *cobra.Command {
	var secretFile, onArgv string
	var nodes []string
	cmd := &cobra.Command{
		Use:   "join --secret-file FILE|- --node ADDR",
		Short: "Make this node's daemon join a cluster",
		Long: `join makes the running daemon adopt the cluster secret (its gossip restarts
with it) and contact a member. The secret is read from --secret-file FILE,
from stdin with --secret-file -, or from $OMHCL_SECRET: never from the
command line, where every local user could read it.`,
		Example: "  ssh node1 om cluster get --kw cluster.secret | om daemon join --secret-file - --node 198.18.10.1\n" +
			"  om daemon join --secret-file /root/cluster.secret --node 198.18.10.1",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if cmd.Flags().Changed("secret") {
				return errSecretOnArgv
			}
			if len(nodes) == 0 {
				return fmt.Errorf("--node is required: the gossip address of a member")
			}
			secret, err := readSecret(secretFile, cmd.InOrStdin(), e.Err)
			if err != nil {
				return err
			}
			c, err := wire.Connect(cmd.Context(), e.Store().Root)
			if err != nil {
				return fmt.Errorf("%w: start it first (om daemon run)", err)
			}
			steps, err := c.Join(cmd.Context(), wire.JoinRequest{Secret: secret, Addrs: nodes})
			if err != nil {
				return err
			}
			fmt.Fprintf(e.Out, "@ n:%s\n", e.NodeName())
			for _, s := range steps {
				fmt.Fprintf(e.Out, "  %s\n", s)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&secretFile, "secret-file", "", "file holding the cluster secret, - for stdin (om cluster get --kw cluster.secret on a member prints it); default $OMHCL_SECRET")
	// kept only to refuse it with the ways that do not show the secret
	cmd.Flags().StringVar(&onArgv, "secret", "", "refused: use --secret-file or $OMHCL_SECRET")
	cmd.Flags().MarkHidden("secret")
	cmd.Flags().StringSliceVar(&nodes, "node", nil, "gossip address (ip or ip:port) of a member")
	return cmd
}

func newCluster(e *cli.Env) *cobra.Command {
	var kw string
	get := &cobra.Command{
		Use:     "get --kw KEYWORD",
		Short:   "Print a cluster setting (cluster.secret, cluster.profile, cluster.arbitrators, cluster.nodes, timings.NAME)",
		Example: "  om cluster get --kw cluster.secret",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := cluster.Load(e.Store().Root)
			if err != nil {
				return err
			}
			v, err := c.Get(kw)
			if err != nil {
				return err
			}
			fmt.Fprintln(e.Out, v)
			return nil
		},
	}
	get.Flags().StringVar(&kw, "kw", "", "the setting to print")
	var kws []string
	set := &cobra.Command{
		Use:     "set --kw KEYWORD=VALUE",
		Short:   "Change cluster settings (applied when the daemon restarts)",
		Example: "  om cluster set --kw cluster.profile=fast\n  om cluster set --kw cluster.arbitrators=tcp://198.18.10.254:22",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			_, err := cluster.Update(e.Store().Root, func(c *cluster.Config) (bool, error) {
				for _, kv := range kws {
					k, v, ok := strings.Cut(kv, "=")
					if !ok {
						return false, fmt.Errorf("--kw %q: want KEYWORD=VALUE", kv)
					}
					switch err := c.Set(k, v); {
					case errors.Is(err, cluster.ErrNothingToSet):
						fmt.Fprintf(e.Err, "om: %v\n", err)
					case err != nil:
						return false, err
					}
				}
				return len(kws) > 0, nil
			})
			return err
		},
	}
	set.Flags().StringSliceVar(&kws, "kw", nil, "KEYWORD=VALUE (repeatable)")
	return group("cluster", "Read and change the cluster settings", get, set)
}
