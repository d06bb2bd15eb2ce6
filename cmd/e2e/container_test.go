package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/moby/moby/client"
	"github.com/omhcl/omhcl/testfixtures/containerlab"
	"github.com/omhcl/omhcl/testfixtures/netlab"
)

// Seed 001's micro-containers: a pause container holds the network
// namespace, ip.netns plumbs the service address into it, and the web
// container shares it. A client on the node's network fetches the page
// from the service address. %[4]s is the engine (docker, podman), %[5]s
// its socket.
const microService = `
service "micro" {
  nodes = ["demo1"]

  container "pause" {
    type         = "%[4]s"
    socket       = "%[5]s"
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
    type         = "%[4]s"
    socket       = "%[5]s"
    image        = "%[1]s"
    command      = ["httpd", "-f", "-p", "8080", "-h", "/www"]
    volumes      = ["%[3]s:/www:ro"]
    netns        = container.pause.rid
    rm           = true
    stop_timeout = "1s"
  }
}
`

// microEngines are the engines the micro-container service runs on, each
// skipped when it does not answer.
var microEngines = []struct{ name, socket string }{
	{"docker", "/var/run/docker.sock"},
	{"podman", "/run/podman/podman.sock"},
}

// engineLab is a microLab running the service on a container engine.
type engineLab struct {
	*microLab
	engine *client.Client
}

func newEngineLab(t *testing.T, engine, socket string) *engineLab {
	l := &engineLab{engine: containerlab.Client(t, socket)}
	image := containerlab.Image(t, socket)
	l.microLab = newMicroLab(t)
	l.writeConfig("micro.hcl", fmt.Sprintf(microService, image, microAddr, l.www, engine, socket))
	return l
}

// forEachEngine runs f as a subtest per engine.
func forEachEngine(t *testing.T, f func(t *testing.T, l *engineLab)) {
	for _, e := range microEngines {
		t.Run(e.name, func(t *testing.T) { f(t, newEngineLab(t, e.name, e.socket)) })
	}
}

// containers lists the service's containers on the engine, running or not.
func (l *engineLab) containers() []string {
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
	forEachEngine(t, func(t *testing.T, l *engineLab) {
		l.startAndServe([]string{"1. start       micro.container#pause", "2. start       micro.ip#0", "3. start       micro.container#web"},
			[]string{"container#pause", "ip#0", "container#web"})
		l.stopLeavesNoLink()
		if left := l.containers(); len(left) > 0 {
			t.Errorf("containers left after stop: %v", left)
		}
	})
}

// The address answers elsewhere on the network: the start aborts at the
// conflict probe, and the pause container started before it is rolled
// back: nothing runs.
func TestMicroContainersConflictLeavesNothingStarted(t *testing.T) {
	forEachEngine(t, func(t *testing.T, l *engineLab) {
		netlab.AddAddr(t, l.peer, "prd1", microAddr+"/24")
		r := l.run("omapply", "-auto-approve", l.config)
		if r.code == 0 || !strings.Contains(r.out+r.err, "ip#0") || !strings.Contains(r.out+r.err, "in use") {
			t.Fatalf("omapply with the address in use: %s", r)
		}
		if left := l.containers(); len(left) > 0 {
			t.Errorf("containers left after the aborted start: %v", left)
		}
	})
}
