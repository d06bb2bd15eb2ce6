package daemon

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/omhcl/omhcl/testfixtures/loopback"
	"github.com/omhcl/omhcl/wire"
)

// floodDaemonEnv hands TestFloodDaemon its state directory and gossip
// address: the flood test runs the daemon in a process of its own, so
// that its descriptors, memory and goroutines are the daemon's alone.
const floodDaemonEnv = "OMHCL_TEST_FLOOD_DAEMON"

// TestFloodDaemon is the daemon TestUnauthenticatedFloodCostsNothing
// floods, run in a child process; it skips anywhere else.
func TestFloodDaemon(t *testing.T) {
	spec := os.Getenv(floodDaemonEnv)
	if spec == "" {
		t.Skip("the daemon of TestUnauthenticatedFloodCostsNothing, run in a process of its own")
	}
	state, bind, _ := strings.Cut(spec, ",")
	d, err := New(Options{Node: "flood1", StateDir: state, Bind: bind, Profile: "fast", Log: os.Stderr})
	if err != nil {
		t.Fatal(err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
	defer stop()
	if err := d.Run(ctx); err != nil {
		t.Fatal(err)
	}
}

// 3,000 connections that fail the peer API's authentication and stay
// open on the client's side: the daemon closes each within a second, and
// its descriptors and goroutines are back to their level while the
// clients still hold theirs.
func TestUnauthenticatedFloodCostsNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("a flood of 3,000 connections")
	}
	child := startFloodDaemon(t)
	time.Sleep(time.Second) // the daemon's own start settles
	base := child.measure(t)
	res := flood(t, child.peer, 3000, 200)
	during := child.measure(t) // the clients still hold their 3,000 ends
	res.closeAll()
	after := child.waitBack(t, base, 5*time.Second)
	t.Logf("%s", res)
	t.Logf("daemon before:                     %s", base)
	t.Logf("daemon, the clients holding 3,000: %s", during)
	t.Logf("daemon after the clients closed:   %s", after)
	if res.late > 0 {
		t.Errorf("%d of %d connections were still open on the daemon's side a second after their refused request (slowest %s)", res.late, res.n, res.slowest())
	}
	if during.fds > base.fds+40 || during.goroutines > base.goroutines+40 {
		t.Errorf("while the clients hold their ends, the daemon holds %d descriptors and %d goroutines, %d and %d before: it keeps refused connections open",
			during.fds, during.goroutines, base.fds, base.goroutines)
	}
	if after.fds > base.fds+10 || after.goroutines > base.goroutines+15 {
		t.Errorf("after the flood the daemon holds %d descriptors and %d goroutines, %d and %d before", after.fds, after.goroutines, base.fds, base.goroutines)
	}
	if after.rssKB > base.rssKB+20<<10 {
		t.Errorf("the daemon's RSS grew from %d to %d kB", base.rssKB, after.rssKB)
	}
}

// floodDaemon is the daemon's process, its peer port and its profiler.
type floodDaemon struct {
	pid   int
	peer  string
	pprof string
}

func startFloodDaemon(t *testing.T) *floodDaemon {
	t.Helper()
	port := loopback.FreePortPair(t)
	pprofAddr := fmt.Sprintf("127.0.0.1:%d", loopback.FreePort(t))
	cmd := exec.Command(os.Args[0], "-test.run=^TestFloodDaemon$")
	cmd.Env = append(os.Environ(), fmt.Sprintf("%s=%s,127.0.0.1:%d", floodDaemonEnv, t.TempDir(), port), "OMHCL_PPROF="+pprofAddr)
	logf, err := os.Create(t.TempDir() + "/daemon.log")
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		cmd.Wait()
		logf.Close()
		if b, _ := os.ReadFile(logf.Name()); t.Failed() || testing.Verbose() {
			t.Logf("the daemon's log:\n%s", lastLines(string(b), 15))
		}
	})
	d := &floodDaemon{pid: cmd.Process.Pid, peer: fmt.Sprintf("127.0.0.1:%d", port+1), pprof: pprofAddr}
	for end := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if _, err := d.goroutines(); err == nil {
			if c, err := net.Dial("tcp", d.peer); err == nil {
				c.Close()
				return d
			}
		}
		if time.Now().After(end) {
			t.Fatal("the daemon does not answer on its peer port and profiler")
		}
	}
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

// usage is what the daemon holds.
type usage struct{ fds, goroutines, rssKB int }

func (u usage) String() string {
	return fmt.Sprintf("%d fds, %d goroutines, RSS %.1f MB", u.fds, u.goroutines, float64(u.rssKB)/1024)
}

func (d *floodDaemon) measure(t *testing.T) usage {
	t.Helper()
	g, err := d.goroutines()
	if err != nil {
		t.Fatal(err)
	}
	fds, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", d.pid))
	if err != nil {
		t.Fatal(err)
	}
	return usage{fds: len(fds), goroutines: g, rssKB: rssKB(t, d.pid)}
}

// waitBack measures until the daemon's descriptors and goroutines are
// back near base, or until timeout.
func (d *floodDaemon) waitBack(t *testing.T, base usage, timeout time.Duration) usage {
	t.Helper()
	for end := time.Now().Add(timeout); ; time.Sleep(100 * time.Millisecond) {
		u := d.measure(t)
		if u.fds <= base.fds+10 && u.goroutines <= base.goroutines+15 || time.Now().After(end) {
			return u
		}
	}
}

// goroutines reads the daemon's count from its profiler.
func (d *floodDaemon) goroutines() (int, error) {
	c := &http.Client{Timeout: 2 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := c.Get("http://" + d.pprof + "/debug/pprof/goroutine?debug=1")
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	line, err := bufio.NewReader(resp.Body).ReadString('\n')
	if err != nil {
		return 0, err
	}
	var n int
	if _, err := fmt.Sscanf(line, "goroutine profile: total %d", &n); err != nil {
		return 0, fmt.Errorf("profiler: %q: %v", line, err)
	}
	return n, nil
}

func rssKB(t *testing.T, pid int) int {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "VmRSS:"); ok {
			n, _ := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(v), " kB"))
			return n
		}
	}
	t.Fatal("no VmRSS")
	return 0
}

// floodResult is what the clients saw.
type floodResult struct {
	n         int
	late      int             // still open a second after the request
	refused   int             // answered before the close
	reset     int             // closed before any answer: over a cap, or not SSH
	closedIn  []time.Duration // from the request sent to the close seen
	conns     []net.Conn      // the clients' ends, held open
	firstLine string
}

func (r *floodResult) closeAll() {
	for _, c := range r.conns {
		c.Close()
	}
}

func (r *floodResult) slowest() time.Duration {
	if len(r.closedIn) == 0 {
		return 0
	}
	return slices.Max(r.closedIn)
}

func (r *floodResult) String() string {
	slices.Sort(r.closedIn)
	med := time.Duration(0)
	if len(r.closedIn) > 0 {
		med = r.closedIn[len(r.closedIn)/2]
	}
	return fmt.Sprintf("%d connections: %d answered %q then closed, %d closed without a byte (not SSH, or over a cap), %d answered %q but still open after 1 s; closed within median %s, slowest %s",
		r.n, r.refused, r.firstLine, r.reset, r.late, r.firstLine, med.Round(time.Microsecond), r.slowest().Round(time.Microsecond))
}

// badRequest is a peer API request in clear, as before the transport:
// not SSH, so refused at its first bytes.
const badRequest = "GET /peer/v1/report HTTP/1.1\r\nHost: flood\r\nX-Omhcl-Node: intruder\r\nX-Omhcl-Auth: 1:00\r\n\r\n"

// flood opens n connections to addr, workers at a time, each sending a
// request that fails authentication, and waits up to a second for the
// daemon to close it; the clients keep their ends open.
func flood(t *testing.T, addr string, n, workers int) *floodResult {
	t.Helper()
	res := &floodResult{n: n}
	var mu sync.Mutex
	jobs := make(chan struct{})
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for range jobs {
				c, took, answer, err := floodOne(addr)
				mu.Lock()
				switch {
				case err != nil && !errors.Is(err, syscall.ECONNRESET):
					t.Error(err)
				case took < 0:
					res.late++
				case answer != "":
					res.refused++
				default:
					res.reset++
				}
				if answer != "" {
					res.firstLine = answer
				}
				if took >= 0 {
					res.closedIn = append(res.closedIn, took)
				}
				if c != nil {
					res.conns = append(res.conns, c)
				}
				mu.Unlock()
			}
		})
	}
	for range n {
		jobs <- struct{}{}
	}
	close(jobs)
	wg.Wait()
	return res
}

// floodOne sends badRequest on a new connection and reads until the
// daemon closes it; took is how long that took from the request, -1
// when it did not within a second; answer is the status line read, if
// any. A reset at the dial is a close at once.
func floodOne(addr string) (c net.Conn, took time.Duration, answer string, err error) {
	c, err = net.DialTimeout("tcp", addr, 5*time.Second)
	if errors.Is(err, syscall.ECONNRESET) {
		return nil, 0, "", nil
	}
	if err != nil {
		return nil, 0, "", err
	}
	sent := time.Now()
	c.SetDeadline(sent.Add(time.Second))
	if _, err := io.WriteString(c, badRequest); err != nil && !errors.Is(err, syscall.ECONNRESET) && !errors.Is(err, syscall.EPIPE) {
		return c, 0, "", err
	}
	br := bufio.NewReader(c)
	answer, _ = br.ReadString('\n')
	_, err = io.Copy(io.Discard, br)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return c, -1, strings.TrimSpace(answer), nil
	}
	return c, time.Since(sent), strings.TrimSpace(answer), nil
}

// limitsDaemon runs a daemon in the test's process, with its TCP API.
type limitsDaemon struct {
	d      *Daemon
	state  string
	remote string // the TCP API's address
	token  string
}

func startLimitsDaemon(t *testing.T) *limitsDaemon {
	t.Helper()
	dir := t.TempDir()
	cert, key := selfSigned(t, dir)
	token := "0123456789abcdef-limits"
	if err := os.WriteFile(dir+"/token", []byte(token), 0o600); err != nil {
		t.Fatal(err)
	}
	remote := fmt.Sprintf("127.0.0.1:%d", loopback.FreePort(t))
	state := dir + "/state"
	opts := testOptions(t, state, "fast")
	opts.Remote = RemoteAPI{Addr: remote, CertFile: cert, KeyFile: key, TokenFile: dir + "/token"}
	d, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	serveDaemon(t, d)
	return &limitsDaemon{d: d, state: state, remote: remote, token: token}
}

// selfSigned writes a certificate and key for 127.0.0.1 into dir.
func selfSigned(t *testing.T, dir string) (string, string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kb, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	cert, keyFile := dir+"/cert.pem", dir+"/key.pem"
	os.WriteFile(cert, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}), 0o600)
	return cert, keyFile
}

// exchange sends req on c and reads the answer.
func exchange(t *testing.T, c net.Conn, br *bufio.Reader, req string) *http.Response {
	t.Helper()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.WriteString(c, req); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp
}

// closedWithin says whether the server closed c within d.
func closedWithin(c net.Conn, br *bufio.Reader, d time.Duration) bool {
	c.SetReadDeadline(time.Now().Add(d))
	_, err := br.ReadByte()
	var ne net.Error
	return err != nil && !(errors.As(err, &ne) && ne.Timeout())
}

// A request refused for want of authentication ends its connection, on
// the TCP API (the peer port's transport does the same at its handshake:
// package transport); a token holder's keeps it for the next request.
func TestRefusedRequestsCloseTheirConnection(t *testing.T) {
	ld := startLimitsDaemon(t)
	bearer := func(token string) string {
		return "GET /v1/mon HTTP/1.1\r\nHost: n1\r\nAuthorization: Bearer " + token + "\r\n\r\n"
	}
	tlsDial := func(t *testing.T) (net.Conn, error) {
		return tls.Dial("tcp", ld.remote, &tls.Config{InsecureSkipVerify: true}) // the certificate is not what is tested
	}
	for _, c := range []struct {
		name      string
		dial      func(*testing.T) (net.Conn, error)
		bad, good func() string
		refused   int
	}{
		{"TCP API", tlsDial, func() string { return bearer("not-the-token-at-all") }, func() string { return bearer(ld.token) }, http.StatusUnauthorized},
	} {
		t.Run(c.name, func(t *testing.T) {
			conn, err := c.dial(t)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			br := bufio.NewReader(conn)
			resp := exchange(t, conn, br, c.bad())
			if resp.StatusCode != c.refused || !resp.Close {
				t.Errorf("refused: %s, Connection: %q; want %d, close", resp.Status, resp.Header.Get("Connection"), c.refused)
			}
			if !closedWithin(conn, br, time.Second) {
				t.Error("the connection of a refused request is still open a second later")
			}
			conn2, err := c.dial(t)
			if err != nil {
				t.Fatal(err)
			}
			defer conn2.Close()
			br2 := bufio.NewReader(conn2)
			for i := range 2 {
				if resp := exchange(t, conn2, br2, c.good()); resp.StatusCode != http.StatusOK || resp.Close {
					t.Fatalf("authenticated request %d: %s, close %v", i+1, resp.Status, resp.Close)
				}
			}
		})
	}
}

// The local API refuses a body over its cap before it is read whole.
func TestAPIRefusesAnOversizedBody(t *testing.T) {
	ld := startLimitsDaemon(t)
	c, err := wire.Connect(t.Context(), ld.state)
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.PushConfig(t.Context(), map[string]string{"big": strings.Repeat("#", apiBodyMax+1)})
	if err == nil || !strings.Contains(err.Error(), "request body too large") {
		t.Fatalf("a push of %d MiB: %v; want request body too large", apiBodyMax>>20, err)
	}
}

// A peer's answer over peerAnswerMax is refused with a clear error; one
// within it is read.
func TestPeerAnswersAreCapped(t *testing.T) {
	size := peerAnswerMax
	m := peerStub(t, "n2", "s", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(`"`))
		w.Write(bytes.Repeat([]byte("x"), size))
		w.Write([]byte(`"`))
	}))
	c := testPeerClient(t, "n1", "s", 10*time.Second, m)
	var out string
	err := c.get(t.Context(), m, "/peer/v1/report", &out)
	if err == nil || !strings.Contains(err.Error(), "n2: /peer/v1/report: answer over 16 MiB: refused") {
		t.Fatalf("an answer of 16 MiB and 2 bytes: %v (%d bytes read); want it refused", err, len(out))
	}
	size = 1 << 20
	if err := c.get(t.Context(), m, "/peer/v1/report", &out); err != nil || len(out) != size {
		t.Fatalf("an answer of 1 MiB: %v, %d bytes", err, len(out))
	}
}
