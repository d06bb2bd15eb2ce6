package peerssh

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// lab is one daemon's peer port on loopback: HTTP and this channel on
// the same listener, as the daemon serves them.
type lab struct {
	addr   string
	secret string
	ran    chan []string
	srv    *Server
}

func newLab(t testing.TB, allowed ...string) *lab {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	l := &lab{addr: ln.Addr().String(), secret: "s3cret-" + t.Name(), ran: make(chan []string, 10)}
	l.srv = &Server{
		Secret: func() string { return l.secret },
		Authorize: func(node string, argv []string) ([]string, error) {
			if node != "node2" || !slices.Contains(allowed, argv[0]) {
				return nil, fmt.Errorf("%s may not run %s", node, argv[0])
			}
			l.ran <- argv
			return argv, nil
		},
	}
	hs := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "peer api") })}
	go hs.Serve(Split(ln, l.srv.ServeConn))
	t.Cleanup(func() { hs.Close() })
	return l
}

func (l *lab) run(t *testing.T, secret string, stdin io.Reader, argv ...string) (int, string, string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var out, errb bytes.Buffer
	code, err := Run(ctx, l.addr, secret, "node2", argv, stdin, &out, &errb, time.Second)
	return code, out.String(), errb.String(), err
}

// The peer API and the channel share the port; a member runs an allowed
// command with its exit code; data streams both ways unchanged.
func TestRunBesideThePeerAPI(t *testing.T) {
	l := newLab(t, "cat", "sh")
	resp, err := http.Get("http://" + l.addr + "/")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(body) != "peer api" {
		t.Fatalf("the peer API behind the split: %q", body)
	}
	data := make([]byte, 3<<20)
	rand.Read(data)
	code, out, _, err := l.run(t, l.secret, bytes.NewReader(data), "cat")
	if err != nil || code != 0 || out != string(data) {
		t.Fatalf("cat of 3 MB: code %d, %d bytes back, equal %v, err %v", code, len(out), out == string(data), err)
	}
	// an argument with blanks and quotes stays one argument: no shell
	code, out, _, err = l.run(t, l.secret, nil, "sh", "-c", `printf '%s|' "$0"; exit 3`, `a b "c"`)
	if err != nil || code != 3 || out != `a b "c"|` {
		t.Errorf("sh: code %d out %q err %v", code, out, err)
	}
}

// Another cluster's secret neither authenticates the client nor trusts
// the host; a command the server does not allow is refused (126), and
// never run.
func TestOnlyMembersAndAllowedCommands(t *testing.T) {
	l := newLab(t, "cat")
	if _, _, _, err := l.run(t, "another cluster", nil, "cat"); err == nil || !strings.Contains(err.Error(), "not a member") {
		t.Errorf("a client of another cluster: %v", err)
	}
	code, _, stderr, err := l.run(t, l.secret, nil, "rm", "-rf", "/nonexistent")
	if err != nil || code != 126 || !strings.Contains(stderr, "may not run rm") {
		t.Errorf("a refused command: code %d stderr %q err %v", code, stderr, err)
	}
	select {
	case argv := <-l.ran:
		t.Errorf("ran %v", argv)
	default:
	}
}

// A client that says nothing holds no one else up: the split reads the
// first bytes off the accept loop.
func TestSilentClientDelaysNoOne(t *testing.T) {
	l := newLab(t, "cat")
	silent, err := net.Dial("tcp", l.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Close()
	begin := time.Now()
	if code, _, _, err := l.run(t, l.secret, strings.NewReader("x"), "cat"); err != nil || code != 0 || time.Since(begin) > 5*time.Second {
		t.Errorf("beside a silent client: code %d err %v after %s", code, err, time.Since(begin))
	}
}

// BenchmarkStream is the channel's throughput: 64 MB through cat into
// /dev/null on loopback (make bench-sync measures it inside syncs).
func BenchmarkStream(b *testing.B) {
	l := newLab(b, "sh")
	data := make([]byte, 64<<20)
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		var out, errb bytes.Buffer
		code, err := Run(context.Background(), l.addr, l.secret, "node2", []string{"sh", "-c", "cat >/dev/null"}, bytes.NewReader(data), &out, &errb, 30*time.Second)
		if err != nil || code != 0 {
			b.Fatal(code, err, errb.String())
		}
	}
}

// A peer that answers nothing any more, as a node that died in the
// middle of a sync (no reset comes from it), ends the command at both
// ends within the data timeout: the client returns an error, and the
// server closes the connection, so the command it ran reads the end of
// its input. A proxy between them swallows everything once frozen.
func TestSilentPeerEndsTheCommand(t *testing.T) {
	l := newLab(t, "cat")
	const deadAfter = time.Second
	closed := make(chan string, 1)
	l.srv.DeadAfter = deadAfter
	l.srv.Logf = func(format string, args ...any) {
		if line := fmt.Sprintf(format, args...); strings.Contains(line, "answered nothing") {
			closed <- line
		}
	}
	p := newFreezer(t, l.addr)
	// stdin that never ends: the command runs until something breaks
	stdin, feed := io.Pipe()
	defer feed.Close()
	go func() {
		chunk := make([]byte, 1024)
		for {
			if _, err := feed.Write(chunk); err != nil {
				return
			}
			time.Sleep(10 * time.Millisecond)
		}
	}()
	errc := make(chan error, 1)
	go func() {
		_, err := Run(context.Background(), p.addr, l.secret, "node2", []string{"cat"}, stdin, io.Discard, io.Discard, deadAfter)
		errc <- err
	}()
	select {
	case argv := <-l.ran:
		t.Logf("running %v", argv)
	case <-time.After(5 * time.Second):
		t.Fatal("cat did not start")
	}
	time.Sleep(300 * time.Millisecond)
	p.frozen.Store(true)
	frozen := time.Now()
	select {
	case err := <-errc:
		if err == nil || !strings.Contains(err.Error(), "answered nothing for 1s") {
			t.Errorf("the client, its peer silent: %v", err)
		}
		// the last answer may have come up to a keepalive period (a
		// quarter of deadAfter) before the freeze
		if took := time.Since(frozen); took < deadAfter/2 || took > 3*deadAfter {
			t.Errorf("the client gave up %s after its peer fell silent, want %s to %s", took, deadAfter/2, 3*deadAfter)
		}
	case <-time.After(10 * deadAfter):
		t.Fatal("the client still waits for its silent peer")
	}
	select {
	case line := <-closed:
		t.Log(line)
	case <-time.After(10 * deadAfter):
		t.Fatal("the server still serves its silent client")
	}
}

// freezer forwards one connection to addr, and swallows everything both
// ways once frozen, keeping the connections open: a peer that died
// without a reset.
type freezer struct {
	addr   string
	frozen atomic.Bool
}

func newFreezer(t *testing.T, to string) *freezer {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	f := &freezer{addr: ln.Addr().String()}
	go func() {
		a, err := ln.Accept()
		if err != nil {
			return
		}
		b, err := net.Dial("tcp", to)
		if err != nil {
			a.Close()
			return
		}
		t.Cleanup(func() { a.Close(); b.Close() })
		go f.pipe(a, b)
		go f.pipe(b, a)
	}()
	return f
}

func (f *freezer) pipe(dst, src net.Conn) {
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if err != nil {
			return
		}
		if !f.frozen.Load() {
			if _, err := dst.Write(buf[:n]); err != nil {
				return
			}
		}
	}
}
