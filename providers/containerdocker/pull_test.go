package containerdocker

import (
	"context"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/moby/moby/client"
	"github.com/zclconf/go-cty/cty"
)

// pull = "never" with an image the engine lacks: no pull, no container.
func TestPullNeverAbsent(t *testing.T) {
	for _, e := range engines {
		t.Run(e.engine, func(t *testing.T) {
			l := newLab(t, e.engine, e.socket)
			d := l.driver(l.resource("app", map[string]cty.Value{
				"image": cty.StringVal("omhcl-absent:v1"), "pull": cty.StringVal("never"), "command": cmd("sleep", "300"),
			}))
			out, took, err := tryStart(d)
			t.Logf("start failed after %s: %v\n%s", took, err, out)
			wantErr(t, err, "container#app", "omhcl-absent:v1", `pull = "never"`, e.socket)
			if strings.Contains(out, "pull") {
				t.Errorf("start pulled with pull = \"never\":\n%s", out)
			}
			l.wantNoContainer()
		})
	}
}

// pull = "always" pulls even an image the engine has; with no registry
// reachable the start fails with the engine's reason, and creates nothing.
func TestPullAlwaysNoRegistry(t *testing.T) {
	for _, e := range engines {
		t.Run(e.engine, func(t *testing.T) {
			l := newLab(t, e.engine, e.socket)
			d := l.driver(l.resource("app", map[string]cty.Value{
				"pull": cty.StringVal("always"), "command": cmd("sleep", "300"), "start_timeout": cty.StringVal("20s"),
			}))
			out, took, err := tryStart(d)
			t.Logf("start failed after %s: %v\n%s", took, err, out)
			// the engine's reason names the registry it could not reach
			wantErr(t, err, "container#app", "pull "+l.image, `pull = "always"`, "docker.io")
			if took > 20*time.Second {
				t.Errorf("start took %s, more than start_timeout 20s", took)
			}
			l.wantNoContainer()
		})
	}
}

// A registry that accepts connections and never answers: the pull gives
// up at start_timeout, saying so (the engines alone wait 25 s or more).
func TestPullAlwaysSilentRegistry(t *testing.T) {
	addr := silentRegistry(t)
	for _, e := range engines {
		t.Run(e.engine, func(t *testing.T) {
			l := newLab(t, e.engine, e.socket)
			img := addr + "/omhcl-absent:v1"
			d := l.driver(l.resource("app", map[string]cty.Value{
				"image": cty.StringVal(img), "pull": cty.StringVal("always"), "command": cmd("sleep", "300"),
				"start_timeout": cty.StringVal("3s"),
			}))
			out, took, err := tryStart(d)
			t.Logf("start failed after %s: %v\n%s", took, err, out)
			wantErr(t, err, "container#app", "pull "+img, "start_timeout 3s")
			// bounded by start_timeout, not by the engine's own 25 to 83 s
			// (loose above: the engine's work varies with the load)
			if took < 3*time.Second || took > 20*time.Second {
				t.Errorf("start took %s, want about start_timeout 3s", took)
			}
			l.wantNoContainer()
		})
	}
}

// silentRegistry listens on the loopback, where the engines run, and
// holds every connection without a byte: a registry host that hangs.
func silentRegistry(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	return ln.Addr().String()
}

// wantNoContainer fails the test if the lab's service has a container.
func (l *lab) wantNoContainer() {
	l.t.Helper()
	f := client.Filters{}.Add("label", labelService+"="+l.service)
	res, err := l.cli.ContainerList(context.Background(), client.ContainerListOptions{All: true, Filters: f})
	if err != nil {
		l.t.Fatal(err)
	}
	if len(res.Items) > 0 {
		l.t.Errorf("%d containers of %s created, want none", len(res.Items), l.service)
	}
}
