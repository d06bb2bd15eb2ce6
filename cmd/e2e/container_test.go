package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/moby/moby/api/types/container"
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

// The web container's image changes in the configuration: the plan
// replaces it, naming the attribute, a CI runner planning from the node's
// om status --json plans the same steps, and apply recreates it (a new
// container) while the page is served again.
func TestMicroContainersDriftIsAReplace(t *testing.T) {
	l := newEngineLab(t, "docker", microEngines[0].socket)
	l.must("omapply", "-auto-approve", l.config)
	before := l.containerID("micro.container.web")
	ctx := context.Background()
	if _, err := l.engine.ImageTag(ctx, client.ImageTagOptions{Source: containerlab.ImageName, Target: "omhcl-busybox:v2"}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { // cleanups run last first: stop here, a tag in use is not removed
		l.run("om", "micro", "stop")
		l.engine.ImageRemove(context.Background(), "omhcl-busybox:v2", client.ImageRemoveOptions{})
	})
	web := "image        = \"" + containerlab.ImageName + "\"\n    command      = [\"httpd\""
	src := l.read("micro.hcl")
	if !strings.Contains(src, web) {
		t.Fatalf("no web container image line in:\n%s", src)
	}
	l.writeConfig("micro.hcl", strings.Replace(src, web, strings.Replace(web, containerlab.ImageName, "omhcl-busybox:v2", 1), 1))

	plan := l.must("omplan", l.config)
	if !strings.Contains(plan, "micro.container#web will be replaced") || !strings.Contains(plan, "image") {
		t.Fatalf("the plan does not replace container#web for its image:\n%s", plan)
	}
	l.planMatchesSnapshot()

	l.must("omapply", "-auto-approve", l.config)
	if after := l.containerID("micro.container.web"); after == before {
		t.Fatalf("container#web was not recreated (id %s)", after)
	}
	if body, err := l.getSoon(); err != nil || body != l.page {
		t.Fatalf("after the replace the client got %q (%v)", body, err)
	}
	if out := l.must("omplan", "-detailed-exitcode", l.config); !strings.Contains(out, "No changes") {
		t.Errorf("a plan after the replace is not empty:\n%s", out)
	}
}

// containerID returns the id of the container named name.
func (l *engineLab) containerID(name string) string {
	l.t.Helper()
	res, err := l.engine.ContainerInspect(context.Background(), name, client.ContainerInspectOptions{})
	if err != nil {
		l.t.Fatalf("inspect %s: %v", name, err)
	}
	return res.Container.ID
}

// read returns a configuration file of the node.
func (l *engineLab) read(file string) string {
	l.t.Helper()
	b, err := os.ReadFile(filepath.Join(l.config, file))
	if err != nil {
		l.t.Fatal(err)
	}
	return string(b)
}

// A container labelled with the service but with a rid it does not have
// (left by hand, or by an apply killed before it recorded its start) is
// reported by om status, in the tree and in the JSON; nothing removes it.
func TestMicroContainersStrayIsReported(t *testing.T) {
	l := newEngineLab(t, "docker", microEngines[0].socket)
	l.must("omapply", "-auto-approve", l.config)
	ctx := context.Background()
	const stray = "micro-stray-e2e"
	_, err := l.engine.ContainerCreate(ctx, client.ContainerCreateOptions{Name: stray,
		Config: &container.Config{Image: containerlab.ImageName, Cmd: []string{"sleep", "60"},
			Labels: map[string]string{"omhcl.service": "micro", "omhcl.rid": "container#old"}}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.engine.ContainerRemove(ctx, stray, client.ContainerRemoveOptions{Force: true}) })
	tree := l.must("om", "micro", "print", "status")
	if !strings.Contains(tree, "warn: docker container "+stray+" (container#old, created) is labelled micro but is no resource of the service") {
		t.Errorf("om status does not report the stray container:\n%s", tree)
	}
	if js := l.must("om", "status", "--json"); !strings.Contains(js, `"strays"`) || !strings.Contains(js, stray) {
		t.Errorf("om status --json does not list the stray container:\n%s", js)
	}
	if left := l.containers(); len(left) != 3 {
		t.Errorf("containers with the service's label: %v, want the service's two and the stray", left)
	}
}

// The pause container is removed behind the service's back while the web
// container runs in its namespace: one plan starts a new pause container,
// plumbs the address into its namespace and restarts the web container
// after it, so one apply serves the page again and the next plan is empty.
func TestMicroContainersPauseGoneIsOneApply(t *testing.T) {
	l := newEngineLab(t, "docker", microEngines[0].socket)
	l.must("omapply", "-auto-approve", l.config)
	if _, err := l.engine.ContainerRemove(context.Background(), "micro.container.pause", client.ContainerRemoveOptions{Force: true}); err != nil {
		t.Fatal(err)
	}
	plan := l.must("omplan", l.config)
	if !strings.Contains(plan, "restart: depends on container#pause, which starts anew") {
		t.Fatalf("the plan does not restart container#web after the new pause container:\n%s", plan)
	}
	l.must("omapply", "-auto-approve", l.config)
	if body, err := l.getSoon(); err != nil || body != l.page {
		t.Fatalf("after one apply the client got %q (%v)", body, err)
	}
	if out := l.must("omplan", "-detailed-exitcode", l.config); !strings.Contains(out, "No changes") {
		t.Errorf("a second plan is not empty:\n%s", out)
	}
}
