package connlimit

import (
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// server accepts through the caps and holds every connection it gets,
// as a server busy with them would.
type server struct {
	ln       net.Listener
	accepted chan net.Conn
}

func newServer(t *testing.T, l Limits) *server {
	t.Helper()
	raw, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &server{ln: Listen(raw, l), accepted: make(chan net.Conn, 100)}
	go func() {
		for {
			c, err := s.ln.Accept()
			if err != nil {
				return
			}
			s.accepted <- c
		}
	}()
	t.Cleanup(func() {
		s.ln.Close()
		for {
			select {
			case c := <-s.accepted:
				c.Close()
			default:
				return
			}
		}
	})
	return s
}

// dial connects from the loopback address from (127.0.0.x: all of
// 127/8 is local on Linux); nil when the server reset the connection
// before the dial returned (it can, on loopback).
func (s *server) dial(t *testing.T, from string) net.Conn {
	t.Helper()
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(from)}, Timeout: time.Second}
	c, err := d.Dial("tcp", s.ln.Addr().String())
	if errors.Is(err, syscall.ECONNRESET) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// admitted returns the server's side of c if the server took it, nil
// if it closed it; either within a second.
func (s *server) admitted(t *testing.T, c net.Conn) net.Conn {
	t.Helper()
	if c == nil {
		return nil // reset already
	}
	closed := make(chan error, 1)
	go func() {
		c.SetReadDeadline(time.Now().Add(time.Second))
		_, err := c.Read(make([]byte, 1))
		closed <- err
	}()
	select {
	case sc := <-s.accepted:
		if sc.RemoteAddr().String() != c.LocalAddr().String() {
			t.Fatalf("accepted %s, want %s", sc.RemoteAddr(), c.LocalAddr())
		}
		t.Cleanup(func() { sc.Close() })
		return sc
	case err := <-closed:
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			t.Fatalf("%s: neither accepted nor closed within a second", c.LocalAddr())
		}
		return nil
	}
}

func TestPerSourceCap(t *testing.T) {
	s := newServer(t, Limits{PerSource: 3})
	var held []net.Conn
	for i := range 5 {
		sc := s.admitted(t, s.dial(t, "127.0.0.1"))
		if ok := sc != nil; ok != (i < 3) {
			t.Fatalf("connection %d from 127.0.0.1 admitted %v, want %v", i+1, ok, i < 3)
		}
		if sc != nil {
			held = append(held, sc)
		}
	}
	if s.admitted(t, s.dial(t, "127.0.0.2")) == nil {
		t.Fatal("another address was refused: the cap is per source")
	}
	if n := Live(s.ln); n != 4 {
		t.Fatalf("%d live connections counted, want 4", n)
	}
	// the server closes one (a request served): its place is free again,
	// once only however often it is closed
	held[0].Close()
	held[0].Close()
	if s.admitted(t, s.dial(t, "127.0.0.1")) == nil {
		t.Fatal("a place freed was not given again")
	}
	if s.admitted(t, s.dial(t, "127.0.0.1")) != nil {
		t.Fatal("a second close freed a second place")
	}
}

func TestTotalCapSparesTheExempt(t *testing.T) {
	member := net.ParseIP("127.0.0.9")
	s := newServer(t, Limits{Total: 2, Exempt: func(ip net.IP) bool { return ip.Equal(member) }})
	for _, from := range []string{"127.0.0.2", "127.0.0.3"} {
		if s.admitted(t, s.dial(t, from)) == nil {
			t.Fatalf("%s refused under the total cap", from)
		}
	}
	if s.admitted(t, s.dial(t, "127.0.0.4")) != nil {
		t.Fatal("a third stranger was admitted over a total cap of 2")
	}
	for range 3 {
		if s.admitted(t, s.dial(t, "127.0.0.9")) == nil {
			t.Fatal("a member was refused: the total cap must spare it")
		}
	}
}

// Refusals are logged once per interval at most, every one counted: the
// first at once, the others when the interval ends.
func TestRefusalsAreLoggedOncePerInterval(t *testing.T) {
	var mu sync.Mutex
	var lines []string
	logf := func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		lines = append(lines, fmt.Sprintf(format, args...))
	}
	const every = time.Second
	s := newServer(t, Limits{Name: "test port", PerSource: 1, Logf: logf, LogEvery: every})
	if s.admitted(t, s.dial(t, "127.0.0.1")) == nil {
		t.Fatal("the first connection was refused")
	}
	begin := time.Now()
	for range 20 {
		if s.admitted(t, s.dial(t, "127.0.0.1")) != nil {
			t.Fatal("a connection over the cap was admitted")
		}
	}
	took := time.Since(begin)
	time.Sleep(every + 300*time.Millisecond)
	mu.Lock()
	defer mu.Unlock()
	if most := 2 + int(took/every); len(lines) < 2 || len(lines) > most {
		t.Fatalf("%d log lines for 20 refusals in %s, want 2 to %d: %q", len(lines), took, most, lines)
	}
	total := 0
	for i, l := range lines {
		var n int
		fmt.Sscanf(l[strings.Index(l, "refused ")+len("refused "):], "%d", &n)
		if i == 0 && n != 1 {
			t.Errorf("the first line counts %d refusals: want 1, told at once", n)
		}
		total += n
		if !strings.Contains(l, "test port") || !strings.Contains(l, "1 per source address") || !strings.Contains(l, "127.0.0.1: ") {
			t.Errorf("log line %q: want the listener, the cap and the address", l)
		}
	}
	if total != 20 {
		t.Errorf("the lines count %d refusals, want 20: %q", total, lines)
	}
}

func TestMain(m *testing.M) {
	// 127.0.0.2 and up as source addresses need Linux's 127/8 route
	ln, err := net.Listen("tcp", "127.0.0.2:0")
	if err != nil {
		fmt.Println("skipped: 127.0.0.2 is not a local address here")
		os.Exit(0)
	}
	ln.Close()
	os.Exit(m.Run())
}
