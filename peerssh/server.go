package peerssh

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"os/exec"
	"time"

	"golang.org/x/crypto/ssh"
)

// Server runs the commands members ask for over SSH.
type Server struct {
	// Secret returns the cluster secret (it can change: om cluster join).
	Secret func() string
	// Authorize accepts or refuses argv asked by node, and says what runs
	// for it: argv itself, or the command that serves a request (a
	// btrfs-receive request runs the daemon's own receiving end); nil
	// refuses all.
	Authorize func(node string, argv []string) ([]string, error)
	// Logf, when set, receives a line per command run or refused.
	Logf func(format string, args ...any)
	// DeadAfter closes a connection whose client answered nothing for so
	// long (the cluster's data_timeout): the command it ran reads the end
	// of its input and exits, as rsync --server does, removing the file
	// it was receiving. 0: TCP decides.
	DeadAfter time.Duration
}

// handshakeTimeout bounds a connection that never completes its SSH
// handshake.
const handshakeTimeout = 10 * time.Second

// ServeConn serves one connection until the client closes it.
func (s *Server) ServeConn(conn net.Conn) {
	defer conn.Close()
	cfg, err := s.config()
	if err != nil {
		s.logf("peerssh: %v", err)
		return
	}
	conn.SetDeadline(time.Now().Add(handshakeTimeout))
	sc, chans, reqs, err := ssh.NewServerConn(conn, cfg)
	if err != nil {
		s.logf("peerssh: %s: %v", conn.RemoteAddr(), err)
		return
	}
	conn.SetDeadline(time.Time{})
	defer sc.Close()
	defer keepAlive(sc, s.DeadAfter, func() {
		s.logf("peerssh: %s (%s) answered nothing for %s: connection closed", sc.User(), conn.RemoteAddr(), s.DeadAfter)
		conn.Close()
	})()
	go ssh.DiscardRequests(reqs)
	for nc := range chans {
		if nc.ChannelType() != "session" {
			nc.Reject(ssh.UnknownChannelType, "only sessions")
			continue
		}
		ch, requests, err := nc.Accept()
		if err != nil {
			continue
		}
		go s.session(sc.User(), ch, requests)
	}
}

// config accepts only the client key derived from the current secret.
func (s *Server) config() (*ssh.ServerConfig, error) {
	secret := s.Secret()
	host, err := keyOf(secret, hostLabel)
	if err != nil {
		return nil, err
	}
	client, err := keyOf(secret, clientLabel)
	if err != nil {
		return nil, err
	}
	want := client.PublicKey().Marshal()
	cfg := &ssh.ServerConfig{
		PublicKeyCallback: func(md ssh.ConnMetadata, key ssh.PublicKey) (*ssh.Permissions, error) {
			if !bytes.Equal(key.Marshal(), want) {
				return nil, errors.New("not a member of this cluster")
			}
			return nil, nil
		},
	}
	cfg.AddHostKey(host)
	return cfg, nil
}

// session runs the one exec request of a session channel.
func (s *Server) session(node string, ch ssh.Channel, requests <-chan *ssh.Request) {
	defer ch.Close()
	for req := range requests {
		if req.Type != "exec" {
			req.Reply(false, nil)
			continue
		}
		var payload struct{ Command string }
		if err := ssh.Unmarshal(req.Payload, &payload); err != nil {
			req.Reply(false, nil)
			return
		}
		req.Reply(true, nil)
		code := s.run(node, payload.Command, ch)
		ch.SendRequest("exit-status", false, exitStatus(code))
		return
	}
}

// run runs cmd, an argv, with the channel as its stdin and stdout, if
// Authorize accepts it; its exit code (126 when refused, 127 when it
// cannot run).
func (s *Server) run(node, cmd string, ch ssh.Channel) int {
	argv, err := decodeArgv(cmd)
	if err == nil {
		if s.Authorize == nil {
			err = errors.New("no command is allowed")
		} else {
			var run []string
			if run, err = s.Authorize(node, argv); err == nil {
				argv = run
			}
		}
	}
	if err != nil {
		s.logf("peerssh: %s: refused %v: %v", node, argv, err)
		fmt.Fprintf(ch.Stderr(), "refused: %v\n", err)
		return 126
	}
	c := exec.Command(argv[0], argv[1:]...)
	c.Stdout, c.Stderr = ch, ch.Stderr()
	// stdin through a pipe fed off to the side: the client keeps its end
	// open until it has the exit status, which a Wait on the copy would
	// never send
	in, err := c.StdinPipe()
	if err == nil {
		err = c.Start()
	}
	if err == nil {
		go func() { io.Copy(in, ch); in.Close() }()
		err = c.Wait()
	}
	var exit *exec.ExitError
	switch {
	case err == nil:
		s.logf("peerssh: %s: ran %v", node, argv)
		return 0
	case errors.As(err, &exit):
		s.logf("peerssh: %s: %v: exit %d", node, argv, exit.ExitCode())
		if exit.ExitCode() < 0 {
			return 255
		}
		return exit.ExitCode()
	}
	fmt.Fprintf(ch.Stderr(), "%v\n", err)
	return 127
}

func exitStatus(code int) []byte {
	b := make([]byte, 4)
	binary.BigEndian.PutUint32(b, uint32(code))
	return b
}

func (s *Server) logf(format string, args ...any) {
	if s.Logf != nil {
		s.Logf(format, args...)
	}
}
