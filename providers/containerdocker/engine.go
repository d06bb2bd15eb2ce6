package containerdocker

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/client"
)

// Labels every container of the driver carries.
const (
	labelService = "omhcl.service"
	labelRID     = "omhcl.rid"
	labelConfig  = "omhcl.config" // the drift-relevant attributes, JSON
)

// queryTimeout bounds a status query: a hung engine must not hang status.
const queryTimeout = 10 * time.Second

var (
	clientsMu sync.Mutex
	clients   = map[string]*client.Client{}
)

// engineClient returns the shared client of a socket; building one does
// not connect, the first request does (and negotiates the API version).
func engineClient(socket string) (*client.Client, error) {
	clientsMu.Lock()
	defer clientsMu.Unlock()
	if c := clients[socket]; c != nil {
		return c, nil
	}
	c, err := client.New(client.WithHost("unix://"+socket), client.WithAPIVersionNegotiation())
	if err != nil {
		return nil, fmt.Errorf("engine client for %s: %w", socket, err)
	}
	clients[socket] = c
	return c, nil
}

// found is the container of a resource as the engine shows it.
type found struct {
	id      string
	inspect container.InspectResponse
}

// lookup finds the container labelled with service and rid: nil when there
// is none. An engine that does not answer is an error, never "none".
func lookup(ctx context.Context, cli *client.Client, service, rid string) (*found, error) {
	f := client.Filters{}.Add("label", labelService+"="+service, labelRID+"="+rid)
	res, err := cli.ContainerList(ctx, client.ContainerListOptions{All: true, Filters: f})
	if err != nil {
		return nil, err
	}
	switch len(res.Items) {
	case 0:
		return nil, nil
	case 1:
	default:
		ids := make([]string, len(res.Items))
		for i, it := range res.Items {
			ids[i] = shortID(it.ID)
		}
		sort.Strings(ids)
		return nil, fmt.Errorf("%d containers carry the labels of %s %s: %v", len(ids), service, rid, ids)
	}
	in, err := cli.ContainerInspect(ctx, res.Items[0].ID, client.ContainerInspectOptions{})
	if cerrdefs.IsNotFound(err) { // removed between list and inspect
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &found{id: in.Container.ID, inspect: in.Container}, nil
}

func (f *found) running() bool {
	return f.inspect.State != nil && f.inspect.State.Running
}

func (f *found) pid() int {
	if f.inspect.State == nil {
		return 0
	}
	return f.inspect.State.Pid
}

// health is the container's health check status, "" without one.
func (f *found) health() string {
	if f.inspect.State == nil || f.inspect.State.Health == nil {
		return ""
	}
	return string(f.inspect.State.Health.Status)
}

// lastCheck is the exit code and output of the last health check.
func (f *found) lastCheck() string {
	h := f.inspect.State.Health
	if h == nil || len(h.Log) == 0 {
		return "no health check ran yet"
	}
	r := h.Log[len(h.Log)-1]
	out := strings.Join(strings.Fields(r.Output), " ")
	if len(out) > 200 {
		out = out[:200] + "..."
	}
	if out == "" {
		return fmt.Sprintf("last health check exited %d", r.ExitCode)
	}
	return fmt.Sprintf("last health check exited %d: %s", r.ExitCode, out)
}

// stateLine is where a container that is not up yet stands.
func (f *found) stateLine() string {
	switch {
	case f.inspect.State == nil:
		return "no state"
	case f.running():
		return "health: " + f.health() + " (" + f.lastCheck() + ")"
	}
	return "state " + string(f.inspect.State.Status)
}

// recorded is the configuration the container was created from.
func (f *found) recorded() map[string]string {
	out := map[string]string{}
	if f.inspect.Config != nil {
		_ = json.Unmarshal([]byte(f.inspect.Config.Labels[labelConfig]), &out)
	}
	return out
}

func shortID(id string) string {
	if len(id) > 12 {
		return id[:12]
	}
	return id
}
