package transport

import (
	"context"
	"io"
	"net"
	"sync"

	"golang.org/x/crypto/ssh"
)

// apiChannel is the channel type of a peer API connection: HTTP inside.
const apiChannel = "peer-api@omhcl"

// Conn is a peer API connection: an SSH channel, with the deadlines an
// HTTP server and client need (a channel has none: the bytes go through
// a pipe, which has), and the node authenticated at its other end.
type Conn struct {
	net.Conn
	peer   string
	remote net.Addr
}

// Peer is the node authenticated at the other end of c, "" when c is
// not a peer API connection.
func Peer(c net.Conn) string {
	if pc, ok := c.(*Conn); ok {
		return pc.peer
	}
	return ""
}

func (c *Conn) RemoteAddr() net.Addr { return c.remote }

// channelConn joins ch to a pipe and returns the pipe's other end;
// closed at either end, ch is closed, then done is called.
func channelConn(ch ssh.Channel, peer string, remote net.Addr, done func()) *Conn {
	mine, theirs := net.Pipe()
	go func() {
		io.Copy(ch, theirs)
		ch.Close()
		theirs.Close()
		done()
	}()
	go func() {
		io.Copy(theirs, ch)
		theirs.Close()
	}()
	return &Conn{Conn: mine, peer: peer, remote: remote}
}

// Dialer opens peer API connections for an http.Transport: a URL's host
// is the node's name ("http://node2/peer/v1/report"), which Resolve maps
// to its peer address (host:port). Each connection is an SSH connection
// of its own.
type Dialer struct {
	Identity *Identity
	Resolve  func(node string) (string, error)
}

func (d *Dialer) DialContext(ctx context.Context, _, hostport string) (net.Conn, error) {
	node, _, err := net.SplitHostPort(hostport)
	if err != nil {
		return nil, err
	}
	addr, err := d.Resolve(node)
	if err != nil {
		return nil, err
	}
	c, err := d.Identity.dial(ctx, node, addr)
	if err != nil {
		return nil, err
	}
	ch, reqs, err := c.OpenChannel(apiChannel, nil)
	if err != nil {
		c.Close()
		return nil, err
	}
	go ssh.DiscardRequests(reqs)
	return channelConn(ch, node, c.RemoteAddr(), func() { c.Close() }), nil
}

// listener hands the peer API connections that members open to an HTTP
// server.
type listener struct {
	conns chan net.Conn
	done  chan struct{}
	once  sync.Once
}

func newListener() *listener {
	return &listener{conns: make(chan net.Conn), done: make(chan struct{})}
}

// offer hands c to the server, or closes it once the listener is closed.
func (l *listener) offer(c net.Conn) {
	select {
	case l.conns <- c:
	case <-l.done:
		c.Close()
	}
}

func (l *listener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.done:
		return nil, net.ErrClosed
	}
}

func (l *listener) Close() error {
	l.once.Do(func() { close(l.done) })
	return nil
}

func (l *listener) Addr() net.Addr { return apiAddr{} }

type apiAddr struct{}

func (apiAddr) Network() string { return "ssh" }
func (apiAddr) String() string  { return apiChannel }

type peerKey struct{}

// ConnContext is an http.Server's ConnContext for the peer API: it keeps
// the node authenticated on each connection, for PeerOf.
func ConnContext(ctx context.Context, c net.Conn) context.Context {
	return context.WithValue(ctx, peerKey{}, Peer(c))
}

// PeerOf is the node that sent a peer API request, authenticated by the
// transport: the context of a request its server served (ConnContext).
func PeerOf(ctx context.Context) string {
	p, _ := ctx.Value(peerKey{}).(string)
	return p
}
