package containerdocker

import (
	"context"
	"strings"
	"testing"

	"github.com/moby/moby/client"
	"github.com/zclconf/go-cty/cty"
)

func TestRemnantDocker(t *testing.T) { testRemnant(t, "docker", dockerSocket) }
func TestRemnantPodman(t *testing.T) { testRemnant(t, "podman", podmanSocket) }

// testRemnant: a container with rm = true stopped by the engine but not
// removed (its command was killed in between) is a remnant, which the
// driver's stop removes; with rm = false a stopped container is none.
func testRemnant(t *testing.T, engine, socket string) {
	l := newLab(t, engine, socket)
	ctx := context.Background()
	d := l.driver(l.resource("web", map[string]cty.Value{"command": cmd("sleep", "300"), "rm": cty.True, "stop_timeout": cty.StringVal("1s")}))
	keep := l.driver(l.resource("keep", map[string]cty.Value{"command": cmd("sleep", "300"), "stop_timeout": cty.StringVal("1s")}))
	if r := d.Remnant(ctx); r != "" {
		t.Errorf("remnant before any container: %q", r)
	}
	for _, dr := range []*driver{d, keep} {
		l.start(dr)
		if r := dr.Remnant(ctx); r != "" {
			t.Errorf("remnant of a running container: %q", r)
		}
		secs := 0
		if _, err := l.cli.ContainerStop(ctx, dr.config().name, client.ContainerStopOptions{Timeout: &secs}); err != nil {
			t.Fatal(err)
		}
	}
	if r := d.Remnant(ctx); !strings.Contains(r, "is left, state exited (rm = true)") {
		t.Errorf("remnant of the stopped container: %q", r)
	}
	if r := keep.Remnant(ctx); r != "" {
		t.Errorf("remnant with rm = false: %q", r)
	}
	l.stop(d)
	if r := d.Remnant(ctx); r != "" {
		t.Errorf("remnant after the driver's stop: %q", r)
	}
}
