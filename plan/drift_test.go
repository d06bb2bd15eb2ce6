package plan_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/omhcl/omhcl/lang"
	"github.com/omhcl/omhcl/plan"
	"github.com/omhcl/omhcl/providers"
)

const containerHCL = `
service "web" {
  nodes = ["n1"]
  container "pause" {
    type    = "docker"
    image   = "omhcl-busybox:local"
    command = ["sleep", "3600"]
    rm      = true
  }
  container "0" {
    type    = "docker"
    image   = "omhcl-busybox:local"
    command = ["httpd", "-f"]
    netns   = container.pause.rid
  }
}
`

// A resource its driver says drifted is replaced, the reason naming the
// attributes; one that did not is left alone.
func TestDriftedResourceIsReplaced(t *testing.T) {
	cfg, inst, li := emptySnapshot(t, containerHCL, "web", "n1")
	for _, lr := range li.Resources {
		attrs := plan.Values(inst.Resource(lr.RID).Attrs)
		lr.Status, lr.Applied = providers.Up, &attrs
	}
	live := &plan.Live{FormatVersion: plan.LiveFormatVersion, Node: "n1", Services: []*plan.LiveInstance{li}}
	mk := func() *plan.Plan {
		p, _, diags := plan.Make(context.Background(), plan.Request{Config: cfg, Source: plan.Snapshot{Live: live}, Options: plan.Options{Node: "n1"}})
		if diags.HasErrors() {
			t.Fatal(diags.Error())
		}
		return p
	}
	if p := mk(); len(p.Changes) != 0 {
		t.Fatalf("converged containers: %d changes", len(p.Changes))
	}
	li.Resource("container#0").Drift = []string{"command", "image"}
	p := mk()
	if got := steps(p); !slices.Equal(got, []string{"stop container#0", "start container#0"}) {
		t.Fatalf("steps %q, want a replace", got)
	}
	c := p.Changes[0]
	if c.Reason != "drifted from the configuration on the node: command and image" {
		t.Errorf("reason %q", c.Reason)
	}
	ops := strings.Join(c.Operations, "\n")
	for _, want := range []string{
		"docker stop --time 10 web.container.0",
		"docker create --name web.container.0 --label omhcl.service=web --label omhcl.rid=container#0 --net container:web.container.pause omhcl-busybox:local httpd -f",
		"docker start web.container.0",
	} {
		if !strings.Contains(ops, want) {
			t.Errorf("operations lack %q:\n%s", want, ops)
		}
	}
}

// emptySnapshot loads src and evaluates service svc for node from a
// snapshot where the node has never seen it.
func emptySnapshot(t *testing.T, src, svc, node string) (*lang.Config, *lang.Instance, *plan.LiveInstance) {
	t.Helper()
	cfg, diags := lang.LoadFiles(map[string][]byte{svc + ".hcl": []byte(src)})
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	empty := plan.Snapshot{Live: &plan.Live{FormatVersion: plan.LiveFormatVersion, Node: node}}
	inst, li, diags := empty.Instance(context.Background(), cfg.Service(svc), node)
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	return cfg, inst, li
}
