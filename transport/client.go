package transport

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync/atomic"
	"time"

	"golang.org/x/crypto/ssh"
)

// Run runs argv on node, at addr (its peer address, host:port), as id,
// with stdin and stdout streamed, and returns its exit code; err is for
// a command that could not be asked at all, or whose node stopped
// answering: for deadAfter (the cluster's data_timeout; 0: TCP decides),
// as when it died in the middle of a sync.
func Run(ctx context.Context, id *Identity, node, addr string, argv []string, stdin io.Reader, stdout, stderr io.Writer, deadAfter time.Duration) (int, error) {
	c, err := id.dial(ctx, node, addr)
	if err != nil {
		return 0, err
	}
	defer c.Close()
	stop := context.AfterFunc(ctx, func() { c.Close() })
	defer stop()
	var gone atomic.Bool
	stopKeepAlive := keepAlive(c, deadAfter, func() { gone.Store(true); c.Close() })
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
