package e2e

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/omhcl/omhcl/testfixtures/netlab"
	"github.com/omhcl/omhcl/testfixtures/statustree"
)

// microAddr is the service address the micro-container services plumb
// into their namespace; the client's peer sits beside it.
const (
	microAddr = "198.18.3.10"
	microPeer = "198.18.3.2/24"
)

// microLab is what every micro-container variant shares: a node, a peer
// namespace on its prd0 link, and a page to serve. The variant writes the
// service configuration.
type microLab struct {
	*node
	peer *netlab.NS
	www  string
	page string
}

func newMicroLab(t *testing.T) *microLab {
	n := newNode(t, "demo1")
	l := &microLab{node: n, peer: netlab.NewNS(t, "e2epeer"), www: t.TempDir()}
	netlab.Veth(t, n.ns, "prd0", l.peer, "prd1")
	netlab.AddAddr(t, l.peer, "prd1", microPeer)
	l.page = fmt.Sprintf("micro-containers %d\n", time.Now().UnixNano())
	if err := os.WriteFile(filepath.Join(l.www, "index.html"), []byte(l.page), 0o644); err != nil {
		t.Fatal(err)
	}
	// The servers run as other users than the test's.
	if err := os.Chmod(l.www, 0o755); err != nil {
		t.Fatal(err)
	}
	// Registered after the TempDirs: it runs before they are removed.
	t.Cleanup(func() { n.run("om", "micro", "stop") })
	return l
}

// get fetches the service's page from the peer namespace. The connection
// is dialed inside it: net/http dials on goroutines of its own, which
// would be in the test's namespace.
func (l *microLab) get() (string, error) {
	dial := func(ctx context.Context, network, addr string) (c net.Conn, err error) {
		err = l.peer.Do(func() error {
			c, err = (&net.Dialer{}).DialContext(ctx, network, addr)
			return err
		})
		return c, err
	}
	hc := &http.Client{Timeout: 2 * time.Second, Transport: &http.Transport{DisableKeepAlives: true, DialContext: dial}}
	resp, err := hc.Get("http://" + microAddr + ":8080/index.html")
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err == nil && resp.StatusCode != http.StatusOK {
		err = fmt.Errorf("GET: %s: %q", resp.Status, b)
	}
	return string(b), err
}

// getSoon retries get for a second: a container is up once its process
// runs, which is a little before httpd listens.
func (l *microLab) getSoon() (body string, err error) {
	for deadline := time.Now().Add(time.Second); ; time.Sleep(50 * time.Millisecond) {
		if body, err = l.get(); err == nil || time.Now().After(deadline) {
			return body, err
		}
	}
}

// startAndServe applies the configuration, checks the plan's order, that
// the client gets the page, every rid is up and a second plan is empty.
func (l *microLab) startAndServe(order []string, rids []string) {
	l.t.Helper()
	assertOrder(l.t, l.must("omplan", l.config), order...)
	l.must("omapply", "-auto-approve", l.config)
	if body, err := l.getSoon(); err != nil || body != l.page {
		l.t.Fatalf("the client got %q (%v), want the page", body, err)
	}
	status := l.must("om", "micro", "print", "status")
	for _, rid := range rids {
		if _, st := statustree.FlagsAndStatus(l.t, status, rid); st != "up" {
			l.t.Errorf("%s is %s, want up:\n%s", rid, st, status)
		}
	}
	if out := l.must("omplan", "-detailed-exitcode", l.config); !strings.Contains(out, "No changes") {
		l.t.Errorf("a second plan is not empty:\n%s", out)
	}
}

// stopLeavesNoLink stops the service and checks that the node holds only
// lo and prd0 and that the page no longer answers.
func (l *microLab) stopLeavesNoLink() {
	l.t.Helper()
	l.must("om", "micro", "stop")
	if links := l.ns.Run(l.t, "ip", "-o", "link"); strings.Count(links, "\n") != 2 {
		l.t.Errorf("the node holds other links than lo and prd0 after stop:\n%s", links)
	}
	if _, err := l.get(); err == nil {
		l.t.Error("the page still answers after stop")
	}
}
