package peerssh

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"sync/atomic"
	"time"

	"golang.org/x/crypto/ssh"
)

// Run runs argv on the node at addr (its peer address, host:port), as
// node, with stdin and stdout streamed, and returns its exit code; err is
// for a command that could not be asked at all, or whose node stopped
// answering: for deadAfter (the cluster's data_timeout; 0: TCP decides),
// as when it died in the middle of a sync.
func Run(ctx context.Context, addr, secret, node string, argv []string, stdin io.Reader, stdout, stderr io.Writer, deadAfter time.Duration) (int, error) {
	client, err := keyOf(secret, clientLabel)
	if err != nil {
		return 0, err
	}
	host, err := keyOf(secret, hostLabel)
	if err != nil {
		return 0, err
	}
	want := host.PublicKey().Marshal()
	cfg := &ssh.ClientConfig{
		User: node,
		Auth: []ssh.AuthMethod{ssh.PublicKeys(client)},
		HostKeyCallback: func(hostname string, remote net.Addr, key ssh.PublicKey) error {
			if !bytes.Equal(key.Marshal(), want) {
				return fmt.Errorf("%s is not a member of this cluster", addr)
			}
			return nil
		},
		Timeout: handshakeTimeout,
	}
	conn, err := (&net.Dialer{Timeout: handshakeTimeout}).DialContext(ctx, "tcp", addr)
	if err != nil {
		return 0, err
	}
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	conn.SetDeadline(time.Now().Add(handshakeTimeout))
	sc, chans, reqs, err := ssh.NewClientConn(conn, addr, cfg)
	if err != nil {
		conn.Close()
		return 0, fmt.Errorf("%s: %w", addr, err)
	}
	conn.SetDeadline(time.Time{})
	c := ssh.NewClient(sc, chans, reqs)
	defer c.Close()
	var gone atomic.Bool
	stopKeepAlive := keepAlive(sc, deadAfter, func() { gone.Store(true); conn.Close() })
	defer stopKeepAlive()
	sess, err := c.NewSession()
	if err != nil {
		return 0, err
	}
	defer sess.Close()
	sess.Stdout, sess.Stderr = stdout, stderr
	// stdin fed off to the side, its end closed at EOF: the command's exit
	// ends the call even while the caller keeps stdin open (rsync does,
	// until its remote shell exits)
	if stdin != nil {
		in, err := sess.StdinPipe()
		if err != nil {
			return 0, err
		}
		go func() { io.Copy(in, stdin); in.Close() }()
	}
	err = sess.Run(encodeArgv(argv))
	var exit *ssh.ExitError
	var missing *ssh.ExitMissingError
	switch {
	case err == nil:
		return 0, nil
	case errors.As(err, &exit):
		return exit.ExitStatus(), nil
	case ctx.Err() != nil:
		return 0, ctx.Err()
	case gone.Load():
		return 0, fmt.Errorf("%s answered nothing for %s: the node or its link is down", addr, deadAfter)
	case errors.As(err, &missing):
		return 0, fmt.Errorf("%s closed the channel before the command ended: its daemon stopped or died", addr)
	}
	return 0, err
}
