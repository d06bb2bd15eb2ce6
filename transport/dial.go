package transport

import (
	"context"
	"fmt"
	"net"
	"strings"
	"time"

	"golang.org/x/crypto/ssh"
)

// handshakeTimeout bounds a connection that never completes its SSH
// handshake, at either end.
const handshakeTimeout = 10 * time.Second

// dial opens an SSH connection to node at addr, as this node, once the
// other end has proven it is node: a certificate of the cluster naming
// it, for the key pinned as node's (pinned now, at the first contact).
// The context bounds the handshake, not the connection.
func (id *Identity) dial(ctx context.Context, node, addr string) (*ssh.Client, error) {
	signer, ca, err := id.signer(ssh.UserCert)
	if err != nil {
		return nil, err
	}
	var hostKey ssh.PublicKey
	cfg := &ssh.ClientConfig{
		User:              id.Node,
		Auth:              []ssh.AuthMethod{ssh.PublicKeys(signer)},
		HostKeyAlgorithms: []string{ssh.CertAlgoED25519v01},
		HostKeyCallback: func(_ string, _ net.Addr, key ssh.PublicKey) error {
			k, err := checkCert(key, ssh.HostCert, node, ca)
			if err != nil {
				return fmt.Errorf("the node at %s is not %s, or %w", addr, node, err)
			}
			if err := id.Pins.Check(node, k); err != nil {
				return err
			}
			hostKey = k
			return nil
		},
		Timeout: handshakeTimeout,
	}
	conn, err := (&net.Dialer{Timeout: handshakeTimeout}).DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	deadline := time.Now().Add(handshakeTimeout)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	conn.SetDeadline(deadline)
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	sc, chans, reqs, err := ssh.NewClientConn(conn, addr, cfg)
	if !stop() {
		err = ctx.Err()
	}
	if err != nil {
		conn.Close()
		if strings.Contains(err.Error(), "unable to authenticate") {
			// SSH tells a refused client nothing more: say where to look
			return nil, fmt.Errorf("%s (%s) refused %s: another cluster's secret, a name none of its members has, or a key other than the one it pinned for %s (its log says which): %w", node, addr, id.Node, id.Node, err)
		}
		return nil, fmt.Errorf("%s: %w", addr, err)
	}
	conn.SetDeadline(time.Time{})
	id.pin(node, hostKey)
	return ssh.NewClient(sc, chans, reqs), nil
}

// pin records a key once its holder has completed a handshake with it.
func (id *Identity) pin(node string, key ssh.PublicKey) {
	pinned, err := id.Pins.Pin(node, key)
	switch {
	case err != nil:
		id.logf("transport: %s: pin its key: %v", node, err)
	case pinned:
		id.logf("transport: %s: key %s pinned at first contact", node, ssh.FingerprintSHA256(key))
	}
}

func (id *Identity) logf(format string, args ...any) {
	if id.Logf != nil {
		id.Logf(format, args...)
	}
}
