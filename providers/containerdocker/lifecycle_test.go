package containerdocker

import (
	"context"
	"os"
	"testing"

	"github.com/moby/moby/client"
	"github.com/omhcl/omhcl/providers"
	"github.com/zclconf/go-cty/cty"
)

func TestLifecycleDocker(t *testing.T) { testLifecycle(t, "docker", dockerSocket) }
func TestLifecyclePodman(t *testing.T) { testLifecycle(t, "podman", podmanSocket) }

// testLifecycle: create, start, up, exposed pid and netns readable, labels,
// stop, removed with rm.
func testLifecycle(t *testing.T, engine, socket string) {
	l := newLab(t, engine, socket)
	d := l.driver(l.resource("web", map[string]cty.Value{
		"command": cmd("sleep", "300"), "rm": cty.True, "stop_timeout": cty.StringVal("1s"),
		"env": cty.MapVal(map[string]cty.Value{"A": cty.StringVal("1")}),
	}))
	wantState(t, d, providers.Down)
	l.start(d)
	wantState(t, d, providers.Up)
	l.start(d) // idempotent
	ex := d.Exposed(context.Background())
	if !ex["pid"].IsKnown() || !ex["netns_path"].IsKnown() || !ex["container_id"].IsKnown() {
		t.Fatalf("exposed not known while up: %v", ex)
	}
	if _, err := os.Readlink(ex["netns_path"].AsString()); err != nil {
		t.Errorf("netns_path: %v", err)
	}
	in, err := l.cli.ContainerInspect(context.Background(), ex["container_id"].AsString(), client.ContainerInspectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	lb := in.Container.Config.Labels
	if lb[labelService] != l.service || lb[labelRID] != "container#web" || lb[labelConfig] == "" {
		t.Errorf("labels %v", lb)
	}
	if got := in.Container.Name; got != "/"+l.service+".container.web" {
		t.Errorf("name %q", got)
	}
	if dr := d.Drift(context.Background()); len(dr) != 0 {
		t.Errorf("drift right after start: %v", dr)
	}
	l.stop(d)
	wantState(t, d, providers.Down)
	if _, err := l.cli.ContainerInspect(context.Background(), ex["container_id"].AsString(), client.ContainerInspectOptions{}); err == nil {
		t.Errorf("container still there after stop with rm")
	}
	l.stop(d) // idempotent
}
