package daemon

import (
	"context"
	"fmt"
	"sort"
	"syscall"
	"testing"
	"time"

	"github.com/moby/moby/client"
	_ "github.com/omhcl/omhcl/providers/all"
	"github.com/omhcl/omhcl/testfixtures/containerlab"
	"github.com/omhcl/omhcl/wire"
)

const dockerSocket = "/var/run/docker.sock"

// A monitored container, restart = 2, then monitor_action freezestop.
// It is the service's only resource: while the monitor handles its death
// the service still counts as running here, or the orchestrator would
// start it again, without end, its restarts never counted.
const monitoredContainer = `service %[1]q {
  nodes          = ["n1"]
  monitor_action = "freezestop"
  container "web" {
    type         = "docker"
    image        = %[2]q
    command      = ["sleep", "86400"]
    monitor      = true
    restart      = 2
    stop_timeout = "1s"
  }
}
`

// TestContainerDeathRestartsThenFreezestops: kill -9 of a monitored
// container's init is a restart in place (a new pid), twice, then the
// service stops and is frozen. It runs with the engine's event stream and
// with --no-events (the default profile's 1 s monitor rounds), and logs
// the time from each kill to the container running again for
// docs/containers-docker.md.
func TestContainerDeathRestartsThenFreezestops(t *testing.T) {
	for _, noEvents := range []bool{false, true} {
		name := map[bool]string{false: "events", true: "poll"}[noEvents]
		t.Run(name, func(t *testing.T) { testContainerDeath(t, name, noEvents) })
	}
}

func testContainerDeath(t *testing.T, name string, noEvents bool) {
	img := containerlab.Image(t, dockerSocket)
	cli := containerlab.Client(t, dockerSocket)
	svc := "tmon" + name
	t.Cleanup(func() { removeService(cli, svc) })
	removeService(cli, svc)

	c := runDaemon(t, noEvents)
	ctx := context.Background()
	if _, err := c.PushConfig(ctx, map[string]string{svc: fmt.Sprintf(monitoredContainer, svc, img)}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Action(ctx, svc, wire.ActionRequest{Action: "start"}); err != nil {
		t.Fatal(err)
	}
	pid := waitPid(t, cli, svc, 0, 30*time.Second, "after start")
	var took []time.Duration
	for i := 1; i <= 2; i++ {
		begin := time.Now()
		if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		pid = waitPid(t, cli, svc, pid, 10*time.Second, fmt.Sprintf("after kill %d", i))
		took = append(took, time.Since(begin))
	}
	sort.Slice(took, func(i, j int) bool { return took[i] < took[j] })
	t.Logf("%s: kill -9 to the container running again: %v", name, took)

	// restarts exhausted: freezestop
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	for end := time.Now().Add(15 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		mon, err := c.Mon(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if frozen(mon, svc) && containerPid(t, cli, svc) == 0 {
			break
		}
		if time.Now().After(end) {
			t.Fatalf("%s not frozen and down 15 s after its third death (restart = 2)", svc)
		}
	}
	time.Sleep(1500 * time.Millisecond) // more than a monitor round: frozen, nothing restarts it
	if p := containerPid(t, cli, svc); p != 0 {
		t.Fatalf("%s restarted (pid %d) once frozen", svc, p)
	}
}

// runDaemon runs a one-node daemon on loopback, default profile.
func runDaemon(t *testing.T, noEvents bool) *wire.Client {
	t.Helper()
	state := t.TempDir()
	opts := testOptions(t, state, "default")
	opts.NoEvents = noEvents
	d, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	c, _ := serveDaemon(t, d)
	return c
}

// waitPid waits for the service's container to run with another pid than
// old, polling inspect every 5 ms.
func waitPid(t *testing.T, cli *client.Client, svc string, old int, within time.Duration, when string) int {
	t.Helper()
	for end := time.Now().Add(within); time.Now().Before(end); time.Sleep(5 * time.Millisecond) {
		if p := containerPid(t, cli, svc); p != 0 && p != old {
			return p
		}
	}
	t.Fatalf("%s: the container of %s does not run with a new pid within %s", when, svc, within)
	return 0
}

// containerPid is the pid of the service's running container, 0 when none runs.
func containerPid(t *testing.T, cli *client.Client, svc string) int {
	t.Helper()
	f := client.Filters{}.Add("label", "omhcl.service="+svc, "omhcl.rid=container#web")
	res, err := cli.ContainerList(context.Background(), client.ContainerListOptions{Filters: f})
	if err != nil || len(res.Items) == 0 {
		return 0
	}
	in, err := cli.ContainerInspect(context.Background(), res.Items[0].ID, client.ContainerInspectOptions{})
	if err != nil || in.Container.State == nil || !in.Container.State.Running {
		return 0
	}
	return in.Container.State.Pid
}

func frozen(m *wire.MonView, svc string) bool {
	for _, s := range m.Services {
		if s.Name == svc {
			return s.Frozen
		}
	}
	return false
}

func removeService(cli *client.Client, svc string) {
	ctx := context.Background()
	f := client.Filters{}.Add("label", "omhcl.service="+svc)
	res, err := cli.ContainerList(ctx, client.ContainerListOptions{All: true, Filters: f})
	if err != nil {
		return
	}
	for _, it := range res.Items {
		cli.ContainerRemove(ctx, it.ID, client.ContainerRemoveOptions{Force: true})
	}
}
