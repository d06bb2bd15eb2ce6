package peerssh

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"time"

	"golang.org/x/crypto/ssh"
)

// Run runs argv on the node at addr (its peer address, host:port), as
// node, with stdin and stdout streamed, and returns its exit code; err is
// for a command that could not be asked at all.
func Run(ctx context.Context, addr, secret, node string, argv []string, stdin io.Reader, stdout, stderr io.Writer) (int, error) {
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
	switch {
	case err == nil:
		return 0, nil
	case errors.As(err, &exit):
		return exit.ExitStatus(), nil
	case ctx.Err() != nil:
		return 0, ctx.Err()
	}
	return 0, err
}
