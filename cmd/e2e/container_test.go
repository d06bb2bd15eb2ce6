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

	"github.com/moby/moby/client"
	"github.com/omhcl/omhcl/testfixtures/containerlab"
	"github.com/omhcl/omhcl/testfixtures/netlab"
)

// Seed 001's micro-containers: a pause container holds the network
// namespace, ip.netns plumbs the service address into it, and the web
// container shares it. A client on the node's network fetches the page
// from the service address.
const microService = `
service "micro" {
  nodes = ["demo1"]

  container "pause" {
    type         = "docker"
    image        = "%[1]s"
    command      = ["sleep", "86400"]
    rm           = true
    stop_timeout = "1s"
  }

  ip "0" {
    type    = "netns"
    ipname  = "%[2]s/24"
    ipdev   = "prd0"
    netns   = container.pause.netns_path
  }

  container "web" {
    type         = "docker"
    image        = "%[1]s"
    command      = ["httpd", "-f", "-p", "8080", "-h", "/www"]
    volumes      = ["%[3]s:/www:ro"]
    netns        = container.pause.rid
    rm           = true
    stop_timeout = "1s"
  }
}
`

const dockerSocket = "/var/run/docker.sock"

type microLab struct {
	*node
	peer   *netlab.NS
	engine *client.Client
	page   string
}

func newMicroLab(t *testing.T) *microLab {
	n := newNode(t, "demo1")
	l := &microLab{node: n, peer: netlab.NewNS(t, "e2epeer"), engine: containerlab.Client(t, dockerSocket)}
	image := containerlab.Image(t, dockerSocket)
	netlab.Veth(t, n.ns, "prd0", l.peer, "prd1")
	netlab.AddAddr(t, l.peer, "prd1", "198.18.3.2/24")
	www := t.TempDir()
	l.page = fmt.Sprintf("micro-containers %d\n", time.Now().UnixNano())
	if err := os.WriteFile(filepath.Join(www, "index.html"), []byte(l.page), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(www, 0o755); err != nil {
		t.Fatal(err)
	}
	n.writeConfig("micro.hcl", fmt.Sprintf(microService, image, "198.18.3.10", www))
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
	resp, err := hc.Get("http://198.18.3.10:8080/index.html")
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

// containers lists the service's containers on the engine, running or not.
func (l *microLab) containers() []string {
	l.t.Helper()
	res, err := l.engine.ContainerList(context.Background(), client.ContainerListOptions{All: true,
		Filters: make(client.Filters).Add("label", "omhcl.service=micro")})
	if err != nil {
		l.t.Fatal(err)
	}
	var out []string
	for _, c := range res.Items {
		out = append(out, strings.Join(c.Names, ",")+" "+string(c.State))
	}
	return out
}

func TestMicroContainersServeOnTheServiceAddress(t *testing.T) {
	l := newMicroLab(t)
	plan := l.must("omplan", l.config)
	assertOrder(t, plan, "1. start       micro.container#pause", "2. start       micro.ip#0", "3. start       micro.container#web")
	l.must("omapply", "-auto-approve", l.config)
	if body, err := l.get(); err != nil || body != l.page {
		t.Fatalf("the client got %q (%v), want the page", body, err)
	}
	status := l.must("om", "micro", "print", "status")
	for _, rid := range []string{"container#pause", "ip#0", "container#web"} {
		if _, st := flagsAndStatus(t, status, rid); st != "up" {
			t.Errorf("%s is %s, want up:\n%s", rid, st, status)
		}
	}
	if out := l.must("omplan", "-detailed-exitcode", l.config); !strings.Contains(out, "No changes") {
		t.Errorf("a second plan is not empty:\n%s", out)
	}

	l.must("om", "micro", "stop")
	if left := l.containers(); len(left) > 0 {
		t.Errorf("containers left after stop: %v", left)
	}
	if links := l.ns.Run(t, "ip", "-o", "link"); strings.Count(links, "\n") != 2 {
		t.Errorf("the node holds other links than lo and prd0 after stop:\n%s", links)
	}
	if _, err := l.get(); err == nil {
		t.Error("the page still answers after stop")
	}
}

// The address answers elsewhere on the network: the start aborts at the
// conflict probe, and the pause container started before it is rolled
// back: nothing runs.
func TestMicroContainersConflictLeavesNothingStarted(t *testing.T) {
	l := newMicroLab(t)
	netlab.AddAddr(t, l.peer, "prd1", "198.18.3.10/24")
	r := l.run("omapply", "-auto-approve", l.config)
	if r.code == 0 || !strings.Contains(r.out+r.err, "ip#0") || !strings.Contains(r.out+r.err, "in use") {
		t.Fatalf("omapply with the address in use: %s", r)
	}
	if left := l.containers(); len(left) > 0 {
		t.Errorf("containers left after the aborted start: %v", left)
	}
}
