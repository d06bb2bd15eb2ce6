package containerdocker

import (
	"bytes"
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/moby/moby/client"
	"github.com/omhcl/omhcl/providers"
	"github.com/omhcl/omhcl/testfixtures/containerlab"
	"github.com/zclconf/go-cty/cty"
)

const (
	dockerSocket = "/var/run/docker.sock"
	podmanSocket = "/run/podman/podman.sock"
)

// lab is one test's engine and service: every container it makes carries
// the service's label and is removed at cleanup.
type lab struct {
	t       *testing.T
	engine  string
	socket  string
	service string
	image   string
	cli     *client.Client
}

func newLab(t *testing.T, engine, socket string) *lab {
	img := containerlab.Image(t, socket)
	l := &lab{t: t, engine: engine, socket: socket, image: img, cli: containerlab.Client(t, socket)}
	l.service = "t" + strings.ToLower(regexp.MustCompile(`[^a-zA-Z0-9]+`).ReplaceAllString(t.Name(), ""))
	if len(l.service) > 40 {
		l.service = l.service[:40]
	}
	l.removeAll()
	t.Cleanup(l.removeAll)
	return l
}

func (l *lab) removeAll() {
	ctx := context.Background()
	f := client.Filters{}.Add("label", labelService+"="+l.service)
	res, err := l.cli.ContainerList(ctx, client.ContainerListOptions{All: true, Filters: f})
	if err != nil {
		l.t.Logf("cleanup: %v", err)
		return
	}
	for _, it := range res.Items {
		l.cli.ContainerRemove(ctx, it.ID, client.ContainerRemoveOptions{Force: true})
	}
}

// resource is container NAME of the lab's service; attrs override the
// defaults (image, the lab's socket).
func (l *lab) resource(name string, attrs map[string]cty.Value) *providers.Resource {
	a := map[string]cty.Value{"image": cty.StringVal(l.image), "socket": cty.StringVal(l.socket)}
	for k, v := range attrs {
		a[k] = v
	}
	return &providers.Resource{Service: l.service, Node: "n1", Kind: "container", Type: l.engine, Name: name, Attrs: a}
}

func (l *lab) driver(r *providers.Resource) *driver {
	l.t.Helper()
	d, err := newDriver(r, l.engine)
	if err != nil {
		l.t.Fatalf("new driver: %v", err)
	}
	return d.(*driver)
}

func (l *lab) start(d *driver) {
	l.t.Helper()
	var out bytes.Buffer
	if err := d.Start(context.Background(), providers.NewLog(&out)); err != nil {
		l.t.Fatalf("start %s: %v\n%s", d.r.RID(), err, out.String())
	}
	l.t.Logf("start %s:\n%s", d.r.RID(), out.String())
}

func (l *lab) stop(d *driver) time.Duration {
	l.t.Helper()
	var out bytes.Buffer
	begin := time.Now()
	if err := d.Stop(context.Background(), providers.NewLog(&out)); err != nil {
		l.t.Fatalf("stop %s: %v\n%s", d.r.RID(), err, out.String())
	}
	l.t.Logf("stop %s:\n%s", d.r.RID(), out.String())
	return time.Since(begin)
}

func cmd(words ...string) cty.Value {
	vs := make([]cty.Value, len(words))
	for i, w := range words {
		vs[i] = cty.StringVal(w)
	}
	return cty.ListVal(vs)
}

func wantState(t *testing.T, d *driver, want providers.State) providers.Status {
	t.Helper()
	st := d.Status(context.Background())
	if st.State != want {
		t.Fatalf("%s status %s %v, want %s", d.r.RID(), st.State, st.Messages, want)
	}
	return st
}
