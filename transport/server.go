package transport

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"os/exec"
	"sync"
	"time"

	"golang.org/x/crypto/ssh"
)

// Server serves members on the peer port: their peer API requests, and
// the data commands they ask for.
type Server struct {
	Identity *Identity
	// Authorize accepts or refuses argv asked by node, and says what runs
	// for it: argv itself, or the command that serves a request (a
	// btrfs-receive request runs the daemon's own receiving end); nil
	// refuses all.
	Authorize func(node string, argv []string) ([]string, error)
	// Member, when set, says whether a node name is one of the cluster's
	// (serf's members): a holder of the secret under another name is
	// refused, and never pinned.
	Member func(node string) bool
	// Logf, when set, receives a line per command run or refused, and a
	// line per refused connection (one a minute per node and reason).
	Logf func(format string, args ...any)
	// DeadAfter closes a connection whose client answered nothing for so
	// long (the cluster's data_timeout): the command it ran reads the end
	// of its input and exits, as rsync --server does, removing the file
	// it was receiving. 0: TCP decides.
	DeadAfter time.Duration

	apiOnce  sync.Once
	api      *listener
	refusals refusalLog
}

// API is the listener of the peer API connections members open, for an
// HTTP server; Peer tells who opened one.
func (s *Server) API() net.Listener {
	s.apiOnce.Do(func() { s.api = newListener() })
	return s.api
}

// refusedLinger is how long a connection whose key was refused is kept
// for its client to read the failure and close it first.
const refusedLinger = 100 * time.Millisecond

// keyExtension carries the authenticated node's own key from the
// authentication callback to the end of the handshake, when it is pinned.
const keyExtension = "node-key@omhcl"

// ServeConn serves one connection until the client closes it.
func (s *Server) ServeConn(conn net.Conn) {
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(handshakeTimeout))
	// what does not open with SSH's banner is closed at once, not kept
	// until the handshake times out (an HTTP request reads as lines the
	// banner may follow), and before a certificate is signed for it
	br := bufio.NewReader(conn)
	if head, err := br.Peek(4); err != nil || string(head) != "SSH-" {
		return
	}
	// a refusal's failure message goes first: the client then knows why
	cfg, err := s.config(func() { time.AfterFunc(refusedLinger, func() { conn.Close() }) })
	if err != nil {
		s.logf("transport: %v", err)
		return
	}
	sc, chans, reqs, err := ssh.NewServerConn(&peeked{Conn: conn, r: br}, cfg)
	if err != nil {
		return // a refused key is logged by config; a client gone, not at all
	}
	conn.SetDeadline(time.Time{})
	defer sc.Close()
	node := sc.User()
	if key, err := ssh.ParsePublicKey([]byte(sc.Permissions.Extensions[keyExtension])); err == nil {
		s.Identity.pin(node, key)
	}
	defer keepAlive(sc, s.DeadAfter, func() {
		s.logf("transport: %s (%s) answered nothing for %s: connection closed", node, conn.RemoteAddr(), s.DeadAfter)
		conn.Close()
	})()
	go ssh.DiscardRequests(reqs)
	for nc := range chans {
		switch nc.ChannelType() {
		case "session":
			ch, requests, err := nc.Accept()
			if err == nil {
				go s.session(node, ch, requests)
			}
		case apiChannel:
			// one peer API connection per SSH connection: it ends with it
			ch, requests, err := nc.Accept()
			if err == nil {
				go ssh.DiscardRequests(requests)
				go s.API().(*listener).offer(channelConn(ch, node, conn.RemoteAddr(), func() { sc.Close() }))
			}
		default:
			nc.Reject(ssh.UnknownChannelType, "only sessions and the peer API")
		}
	}
}

// config accepts members only: a client certificate of the cluster key
// of the current secret, naming the node the client logs in as, for the
// key pinned as that node's, if any. A key refused ends the connection
// (refused): a member offers one key, and a stranger's key queries do
// not count toward MaxAuthTries.
func (s *Server) config(refused func()) (*ssh.ServerConfig, error) {
	id := s.Identity
	host, ca, err := id.signer(ssh.HostCert)
	if err != nil {
		return nil, err
	}
	cfg := &ssh.ServerConfig{
		PublicKeyCallback: func(md ssh.ConnMetadata, key ssh.PublicKey) (*ssh.Permissions, error) {
			k, err := s.authenticate(md.User(), key, ca)
			if err != nil {
				s.refusals.log(s.logf, md.User(), md.RemoteAddr(), err)
				refused()
				return nil, err
			}
			return &ssh.Permissions{Extensions: map[string]string{keyExtension: string(k.Marshal())}}, nil
		},
	}
	cfg.AddHostKey(host)
	return cfg, nil
}

// authenticate checks a client's key is a certificate of the cluster
// key ca for node, and returns the node's own key in it if that is the
// one pinned as node's, or no key is yet.
func (s *Server) authenticate(node string, key, ca ssh.PublicKey) (ssh.PublicKey, error) {
	if node == s.Identity.Node {
		return nil, fmt.Errorf("a client speaking as %s, this node: refused", node)
	}
	k, err := checkCert(key, ssh.UserCert, node, ca)
	if err != nil {
		return nil, err
	}
	if s.Member != nil && !s.Member(node) {
		return nil, fmt.Errorf("%s holds the secret but is no member of this cluster's: refused", node)
	}
	return k, s.Identity.Pins.Check(node, k)
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
		s.logf("transport: %s: refused %v: %v", node, argv, err)
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
		s.logf("transport: %s: ran %v", node, argv)
		return 0
	case errors.As(err, &exit):
		s.logf("transport: %s: %v: exit %d", node, argv, exit.ExitCode())
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

// Serve serves every connection ln accepts, each on its own goroutine,
// until ln is closed; then it closes the peer API listener.
func (s *Server) Serve(ln net.Listener) error {
	defer s.API().Close()
	for {
		c, err := ln.Accept()
		if err != nil {
			return err
		}
		go s.ServeConn(c)
	}
}

// peeked is a connection whose first bytes were read ahead.
type peeked struct {
	net.Conn
	r *bufio.Reader
}

func (p *peeked) Read(b []byte) (int, error) { return p.r.Read(b) }

// refusalLog logs a refused connection once a minute per node and
// reason, with how many more there were: a node refused keeps trying, at
// every poll.
type refusalLog struct {
	mu   sync.Mutex
	last map[string]refusalMark
}

type refusalMark struct {
	at     time.Time
	hidden int
}

const (
	refusalLogEvery = time.Minute
	refusalLogMax   = 1024
)

func (l *refusalLog) log(logf func(string, ...any), node string, from net.Addr, err error) {
	key := node + "\x00" + err.Error()
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.last == nil {
		l.last = map[string]refusalMark{}
	}
	m, seen := l.last[key]
	if !seen && len(l.last) >= refusalLogMax {
		return // a flood of names: those already kept tell the story
	}
	if time.Since(m.at) < refusalLogEvery {
		m.hidden++
		l.last[key] = m
		return
	}
	more := ""
	if m.hidden > 0 {
		more = fmt.Sprintf(" (and %d more such in %s)", m.hidden, time.Since(m.at).Round(time.Second))
	}
	logf("transport: %s (%s): %v%s", node, from, err, more)
	for k, old := range l.last { // forget the quiet ones: a stranger's names are not kept
		if time.Since(old.at) > refusalLogEvery {
			delete(l.last, k)
		}
	}
	l.last[key] = refusalMark{at: time.Now()}
}
