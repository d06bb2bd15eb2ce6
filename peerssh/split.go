package peerssh

import (
	"bufio"
	"bytes"
	"net"
	"sync"
	"time"
)

// Split shares the peer port between the peer API and this channel: a
// connection whose first bytes are an SSH banner goes to serve; the
// others come out of the returned listener, for the HTTP server. A client
// that says nothing for sniffTimeout is dropped.
func Split(ln net.Listener, serve func(net.Conn)) net.Listener {
	s := &split{Listener: ln, conns: make(chan net.Conn), done: make(chan struct{})}
	go s.loop(serve)
	return s
}

const sniffTimeout = 10 * time.Second

type split struct {
	net.Listener
	conns chan net.Conn
	done  chan struct{}
	once  sync.Once
	err   error
}

func (s *split) loop(serve func(net.Conn)) {
	for {
		c, err := s.Listener.Accept()
		if err != nil {
			s.close(err)
			return
		}
		go s.sniff(c, serve)
	}
}

// sniff reads the first bytes off the accept loop, so that a silent
// client delays no other.
func (s *split) sniff(c net.Conn, serve func(net.Conn)) {
	br := bufio.NewReader(c)
	c.SetReadDeadline(time.Now().Add(sniffTimeout))
	head, err := br.Peek(4)
	c.SetReadDeadline(time.Time{})
	if err != nil {
		c.Close()
		return
	}
	pc := &peeked{Conn: c, r: br}
	if bytes.Equal(head, []byte("SSH-")) {
		serve(pc)
		return
	}
	select {
	case s.conns <- pc:
	case <-s.done:
		c.Close()
	}
}

// Accept returns the next connection that is not SSH.
func (s *split) Accept() (net.Conn, error) {
	select {
	case c := <-s.conns:
		return c, nil
	case <-s.done:
		if s.err != nil {
			return nil, s.err
		}
		return nil, net.ErrClosed
	}
}

func (s *split) Close() error { return s.close(nil) }

// close closes the listener once, keeping why the accept loop ended (nil:
// closed by its owner) for Accept, written before done is closed.
func (s *split) close(why error) error {
	var err error
	s.once.Do(func() {
		s.err = why
		close(s.done)
		err = s.Listener.Close()
	})
	return err
}

// peeked is a connection whose first bytes were read ahead.
type peeked struct {
	net.Conn
	r *bufio.Reader
}

func (p *peeked) Read(b []byte) (int, error) { return p.r.Read(b) }
