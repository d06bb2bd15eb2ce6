package transport

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"
)

// lab is node1's peer port on loopback, as the daemon serves it: its
// peer API (an HTTP handler that says who asked) and its data commands.
type lab struct {
	addr   string
	secret string
	ran    chan []string
	asked  chan string
	srv    *Server
}

// identity is a node of the cluster of secret, with a state directory of
// its own.
func identity(t testing.TB, node, secret string) *Identity {
	id, err := LoadIdentity(t.TempDir(), node, func() string { return secret })
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func newLab(t testing.TB, allowed ...string) *lab {
	l := &lab{secret: "s3cret-" + t.Name(), ran: make(chan []string, 10), asked: make(chan string, 10)}
	l.srv = &Server{
		Identity: identity(t, "node1", l.secret),
		Authorize: func(node string, argv []string) ([]string, error) {
			if node != "node2" || !slices.Contains(allowed, argv[0]) {
				return nil, fmt.Errorf("%s may not run %s", node, argv[0])
			}
			l.ran <- argv
			return argv, nil
		},
	}
	l.addr = serve(t, l.srv, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		l.asked <- PeerOf(r.Context())
		io.WriteString(w, "report of node1 for "+PeerOf(r.Context()))
	}))
	return l
}

// serve runs srv on a loopback port, its peer API answered by h.
func serve(t testing.TB, srv *Server, h http.Handler) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hs := &http.Server{Handler: h, ConnContext: ConnContext}
	go hs.Serve(srv.API())
	go srv.Serve(ln)
	t.Cleanup(func() { ln.Close(); hs.Close() })
	return ln.Addr().String()
}

func (l *lab) run(t *testing.T, id *Identity, stdin io.Reader, argv ...string) (int, string, string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var out, errb bytes.Buffer
	code, err := Run(ctx, id, "node1", l.addr, argv, stdin, &out, &errb, time.Second)
	return code, out.String(), errb.String(), err
}

// get asks node1's peer API at addr, as id.
func get(id *Identity, addr, path string) (string, error) {
	d := &Dialer{Identity: id, Resolve: func(node string) (string, error) { return addr, nil }}
	c := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{DialContext: d.DialContext}}
	defer c.CloseIdleConnections()
	resp, err := c.Get("http://node1" + path)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return string(b), err
}

// The peer API and the data channel share the port; the API learns who
// asks from the transport; a member runs an allowed command with its
// exit code; data streams both ways unchanged.
func TestPeerAPIAndDataOnOnePort(t *testing.T) {
	l := newLab(t, "cat", "sh")
	node2 := identity(t, "node2", l.secret)
	for range 2 {
		body, err := get(node2, l.addr, "/peer/v1/report")
		if err != nil || body != "report of node1 for node2" {
			t.Fatalf("the peer API: %q, %v", body, err)
		}
	}
	data := make([]byte, 3<<20)
	rand.Read(data)
	code, out, _, err := l.run(t, node2, bytes.NewReader(data), "cat")
	if err != nil || code != 0 || out != string(data) {
		t.Fatalf("cat of 3 MB: code %d, %d bytes back, equal %v, err %v", code, len(out), out == string(data), err)
	}
	// an argument with blanks and quotes stays one argument: no shell
	code, out, _, err = l.run(t, node2, nil, "sh", "-c", `printf '%s|' "$0"; exit 3`, `a b "c"`)
	if err != nil || code != 3 || out != `a b "c"|` {
		t.Errorf("sh: code %d out %q err %v", code, out, err)
	}
}

// Another cluster's secret neither authenticates the client nor trusts
// the host; a command the server does not allow is refused (126), and
// never run.
func TestOnlyMembersAndAllowedCommands(t *testing.T) {
	l := newLab(t, "cat")
	stranger := identity(t, "node2", "another cluster")
	if _, _, _, err := l.run(t, stranger, nil, "cat"); err == nil || !strings.Contains(err.Error(), "not a member") {
		t.Errorf("a client of another cluster: %v", err)
	}
	if body, err := get(stranger, l.addr, "/peer/v1/report"); err == nil {
		t.Errorf("a client of another cluster was answered %q", body)
	}
	code, _, stderr, err := l.run(t, identity(t, "node2", l.secret), nil, "rm", "-rf", "/nonexistent")
	if err != nil || code != 126 || !strings.Contains(stderr, "may not run rm") {
		t.Errorf("a refused command: code %d stderr %q err %v", code, stderr, err)
	}
	select {
	case argv := <-l.ran:
		t.Errorf("ran %v", argv)
	case node := <-l.asked:
		t.Errorf("answered %s", node)
	default:
	}
}

// A server on the path that lacks the secret (a man in the middle, or a
// node of another cluster at a member's address) gets no request from a
// member, and its answer is never read.
func TestAServerWithoutTheSecretIsNotBelieved(t *testing.T) {
	secret := "s3cret-" + t.Name()
	asked := make(chan string, 1)
	impostor := &Server{Identity: identity(t, "node1", "not the secret")}
	addr := serve(t, impostor, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		asked <- r.URL.Path
		io.WriteString(w, `{"configs":{"web":{"generation":99}}}`)
	}))
	body, err := get(identity(t, "node2", secret), addr, "/peer/v1/report")
	if err == nil || body != "" || !strings.Contains(err.Error(), "not a member") {
		t.Errorf("a member asked an impostor: %q, %v", body, err)
	}
	select {
	case p := <-asked:
		t.Errorf("the impostor was asked %s", p)
	default:
	}
}

// A member cannot speak as another: once node2's key is pinned on
// node1, node3 (a member: it holds the secret) is refused as node2, and
// a member serving at node1's address as node1 is refused by node2.
func TestAMemberCannotSpeakAsAnother(t *testing.T) {
	l := newLab(t)
	node2 := identity(t, "node2", l.secret)
	if _, err := get(node2, l.addr, "/"); err != nil {
		t.Fatal(err)
	}
	<-l.asked
	node3as2 := identity(t, "node2", l.secret) // another key, the same name
	if body, err := get(node3as2, l.addr, "/"); err == nil || !strings.Contains(err.Error(), "unable to authenticate") {
		t.Errorf("node3 speaking as node2: %q, %v", body, err)
	}
	pinned, err := l.srv.Identity.Pins.List()
	if err != nil || !sameKey(pinned["node2"], node2.Key.PublicKey()) {
		t.Errorf("node1's pins: %v, %v", pinned, err)
	}
	fake := &Server{Identity: identity(t, "node1", l.secret)}
	addr := serve(t, fake, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "forged") }))
	if body, err := get(node2, addr, "/"); err == nil || !errors.Is(err, ErrKeyChanged) {
		t.Errorf("node2 asking a member posing as node1: %q, %v", body, err)
	}
	// once node1 forgets node2's key (node2 reinstalled), a new key is
	// pinned at its next contact
	if ok, err := l.srv.Identity.Pins.Unpin("node2"); !ok || err != nil {
		t.Fatalf("unpin: %v %v", ok, err)
	}
	if _, err := get(node3as2, l.addr, "/"); err != nil {
		t.Errorf("node2's new key after unpin: %v", err)
	}
}

// A recorded exchange, replayed to either end, is refused: the server
// runs no request from the client's recorded bytes, and a client reads
// no answer from the server's.
func TestRecordedExchangeReplayed(t *testing.T) {
	l := newLab(t)
	node2 := identity(t, "node2", l.secret)
	rec := newRecorder(t, l.addr)
	if body, err := get(node2, rec.addr, "/peer/v1/report"); err != nil || body != "report of node1 for node2" {
		t.Fatalf("the recorded exchange: %q, %v", body, err)
	}
	<-l.asked
	toServer, toClient := rec.wait(t)

	// the client's bytes, sent again to node1
	c, err := net.Dial("tcp", l.addr)
	if err != nil {
		t.Fatal(err)
	}
	c.Write(toServer)
	c.SetReadDeadline(time.Now().Add(3 * time.Second))
	io.Copy(io.Discard, c)
	c.Close()
	select {
	case node := <-l.asked:
		t.Errorf("a replayed request was answered, for %q", node)
	case <-time.After(500 * time.Millisecond):
	}

	// node1's bytes, played to node2 by whoever answers at its address
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		go io.Copy(io.Discard, c)
		c.Write(toClient)
		time.Sleep(2 * time.Second)
	}()
	if body, err := get(node2, ln.Addr().String(), "/peer/v1/report"); err == nil {
		t.Errorf("a replayed answer was read: %q", body)
	} else {
		t.Logf("replayed answer: %v", err)
	}
}

// recorder forwards one connection to addr and keeps what went each way.
type recorder struct {
	addr               string
	done               chan struct{}
	toServer, toClient bytes.Buffer
}

func newRecorder(t *testing.T, to string) *recorder {
	r := &recorder{done: make(chan struct{})}
	r.addr = proxyOnce(t, to, func(a, b net.Conn) {
		up := make(chan struct{})
		go func() { io.Copy(io.MultiWriter(b, &r.toServer), a); b.Close(); close(up) }()
		io.Copy(io.MultiWriter(a, &r.toClient), b)
		a.Close()
		<-up
		close(r.done)
	})
	return r
}

// proxyOnce listens on loopback for one connection, dials to for it,
// and hands both to serve; it returns the address to connect to.
func proxyOnce(t *testing.T, to string, serve func(client, server net.Conn)) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
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
		serve(a, b)
	}()
	return ln.Addr().String()
}

// wait returns what went each way, once the connection has closed.
func (r *recorder) wait(t *testing.T) ([]byte, []byte) {
	select {
	case <-r.done:
	case <-time.After(10 * time.Second):
		t.Fatal("the recorded connection did not close")
	}
	return r.toServer.Bytes(), r.toClient.Bytes()
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
	if code, _, _, err := l.run(t, identity(t, "node2", l.secret), strings.NewReader("x"), "cat"); err != nil || code != 0 || time.Since(begin) > 5*time.Second {
		t.Errorf("beside a silent client: code %d err %v after %s", code, err, time.Since(begin))
	}
}

// BenchmarkStream is the channel's throughput: 64 MB through cat into
// /dev/null on loopback (make bench-sync measures it inside syncs).
func BenchmarkStream(b *testing.B) {
	l := newLab(b, "sh")
	node2 := identity(b, "node2", l.secret)
	data := make([]byte, 64<<20)
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		var out, errb bytes.Buffer
		code, err := Run(context.Background(), node2, "node1", l.addr, []string{"sh", "-c", "cat >/dev/null"}, bytes.NewReader(data), &out, &errb, 30*time.Second)
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
		_, err := Run(context.Background(), identity(t, "node2", l.secret), "node1", p.addr, []string{"cat"}, stdin, io.Discard, io.Discard, deadAfter)
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
	f := &freezer{}
	f.addr = proxyOnce(t, to, func(a, b net.Conn) {
		go f.pipe(a, b)
		go f.pipe(b, a)
	})
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

// A connection that fails authentication is closed by the server at
// once: a stranger's SSH handshake, and bytes that are not SSH at all.
func TestRefusedConnectionsAreClosed(t *testing.T) {
	l := newLab(t)
	stranger := identity(t, "node2", "another cluster")
	signer, _, err := stranger.signer(ssh.UserCert)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		talk func(net.Conn) error
	}{
		{"stranger", func(c net.Conn) error {
			// the client's own close on failure kept from the connection
			_, _, _, err := ssh.NewClientConn(keptOpen{c}, l.addr, &ssh.ClientConfig{User: "node2", Auth: []ssh.AuthMethod{ssh.PublicKeys(signer)},
				HostKeyCallback: ssh.InsecureIgnoreHostKey()}) // the host is not what is tested
			return err
		}},
		{"not ssh", func(c net.Conn) error {
			_, err := io.WriteString(c, "GET /peer/v1/report HTTP/1.1\r\nHost: node1\r\n\r\n")
			return err
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			conn, err := net.Dial("tcp", l.addr)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			t.Logf("%v", c.talk(conn))
			refused := time.Now()
			conn.SetReadDeadline(refused.Add(time.Second))
			_, err = io.Copy(io.Discard, conn)
			if err != nil {
				t.Errorf("the server kept the connection a second after refusing it: %v", err)
			}
			t.Logf("closed %s after the refusal", time.Since(refused).Round(time.Microsecond))
		})
	}
}

// keptOpen is a connection whose Close does nothing.
type keptOpen struct{ net.Conn }

func (keptOpen) Close() error { return nil }

// A holder of the secret under a name that is not a member's is refused
// and not pinned; a refused node is logged once, not at every try.
func TestOnlyMembersNamesAreServed(t *testing.T) {
	l := newLab(t)
	var lines []string
	var mu sync.Mutex
	l.srv.Member = func(node string) bool { return node == "node2" }
	l.srv.Logf = func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		lines = append(lines, fmt.Sprintf(format, args...))
	}
	vm := identity(t, "vm", l.secret)
	for range 3 {
		if body, err := get(vm, l.addr, "/"); err == nil {
			t.Fatalf("vm, not a member, was answered %q", body)
		}
	}
	if pins, _ := l.srv.Identity.Pins.List(); pins["vm"] != nil {
		t.Error("vm's key was pinned")
	}
	if _, err := get(identity(t, "node2", l.secret), l.addr, "/"); err != nil {
		t.Errorf("node2: %v", err)
	}
	mu.Lock()
	defer mu.Unlock()
	refused := 0
	for _, line := range lines {
		if strings.Contains(line, "vm holds the secret but is no member") {
			refused++
		}
	}
	if refused != 1 {
		t.Errorf("%d lines for vm's 3 refusals, want 1: %q", refused, lines)
	}
}
