package daemon

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/omhcl/omhcl/encap"
	"github.com/omhcl/omhcl/plan"
	"github.com/omhcl/omhcl/providers"
	"github.com/omhcl/omhcl/state"
	"github.com/omhcl/omhcl/wire"
	"github.com/zclconf/go-cty/cty"
)

// A container executor in the test: container.trustfake is a container
// whose agent answers as om's would, from the configuration entry "root
// inside" wrote (fakeAgent.entry). It is how the tests below play a
// container's root against the node.

var fakeAgents = struct {
	sync.Mutex
	m map[string]*fakeAgent // by service
}{m: map[string]*fakeAgent{}}

// fakeAgent is one container and the agent in it.
type fakeAgent struct {
	running bool
	appDown bool               // the monitored app inside is reported dead
	entry   *state.ConfigEntry // what the agent holds: pushed by the node, or written inside
	pushes  int                // configurations the node copied in
}

func agentOf(svc string) *fakeAgent {
	fakeAgents.Lock()
	defer fakeAgents.Unlock()
	a := fakeAgents.m[svc]
	if a == nil {
		a = &fakeAgent{}
		fakeAgents.m[svc] = a
	}
	return a
}

// inside runs f on the agent of svc, under the lock.
func inside[T any](svc string, f func(a *fakeAgent) T) T {
	a := agentOf(svc)
	fakeAgents.Lock()
	defer fakeAgents.Unlock()
	return f(a)
}

func init() {
	providers.Register(&providers.Spec{Kind: "container", Type: "trustfake",
		Attrs: []providers.AttrSpec{{Name: "hostname", Type: cty.String}},
		New:   func(r *providers.Resource) (providers.Driver, error) { return &fakeContainer{svc: r.Service}, nil }})
}

type fakeContainer struct{ svc string }

func (c *fakeContainer) Status(context.Context) providers.Status {
	if inside(c.svc, func(a *fakeAgent) bool { return a.running }) {
		return providers.Status{State: providers.Up}
	}
	return providers.Status{State: providers.Down}
}

func (c *fakeContainer) Start(context.Context, *providers.Log) error {
	inside(c.svc, func(a *fakeAgent) bool { a.running = true; return true })
	return nil
}

func (c *fakeContainer) Stop(context.Context, *providers.Log) error {
	inside(c.svc, func(a *fakeAgent) bool { a.running = false; return true })
	return nil
}

func (c *fakeContainer) Provision(context.Context, *providers.Log) error   { return nil }
func (c *fakeContainer) Unprovision(context.Context, *providers.Log) error { return nil }
func (c *fakeContainer) Exposed(context.Context) map[string]cty.Value      { return nil }
func (c *fakeContainer) Describe() string                                  { return "trustfake" }
func (c *fakeContainer) Operations(context.Context, providers.Action) []string {
	return []string{"trustfake"}
}

// Exec answers om agent status, config and converge as the agent would
// (encap.ConfigCheck against the node's --config-gen).
func (c *fakeContainer) Exec(_ context.Context, argv []string) ([]byte, []byte, int, error) {
	if len(argv) < 4 || argv[1] != "agent" {
		return nil, nil, 0, nil // agent install
	}
	flag := func(name string) string {
		if i := slices.Index(argv, name); i > 0 && i+1 < len(argv) {
			return argv[i+1]
		}
		return ""
	}
	var node state.ConfigVersion
	fmt.Sscan(flag("--config-gen"), &node.Gen)
	node.Hash = flag("--config-hash")
	mine := inside(c.svc, func(a *fakeAgent) *state.ConfigEntry { return a.entry })
	code, msg := encap.ConfigCheck(mine, node)
	if code != 0 && !(argv[2] != "converge" && code == encap.ExitConfigConflict) {
		return nil, []byte(msg), code, nil
	}
	var out []byte
	switch argv[2] {
	case "status":
		app := &plan.LiveResource{RID: "app#inside", Kind: "app", Type: "simple", Status: providers.Up, Monitor: true, Applied: &plan.Values{}}
		if inside(c.svc, func(a *fakeAgent) bool { return a.appDown }) {
			app.Status = providers.Down // started, and dead since: the monitor's business
		}
		live, _ := json.Marshal(&plan.LiveInstance{Service: c.svc, Node: flag("--node"), Status: app.Status, Role: "encap",
			Resources: []*plan.LiveResource{app}})
		out, _ = json.Marshal(encap.Report{Live: live, Config: mine.Version(), Origin: mine.Origin})
	case "config":
		out, _ = json.Marshal(mine)
	}
	return append(append(out, '\n'), encap.ProofLine(flag("--nonce"))+"\n"...), nil, 0, nil
}

// CopyIn takes the node's configuration pushed to the agent.
func (c *fakeContainer) CopyIn(_ context.Context, src, dst string, _ os.FileMode) error {
	if !strings.HasSuffix(dst, "/config/"+c.svc+".json") {
		return nil // the agent's binary
	}
	b, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	var e state.ConfigEntry
	if err := json.Unmarshal(b, &e); err != nil {
		return err
	}
	inside(c.svc, func(a *fakeAgent) bool { a.entry, a.pushes = &e, a.pushes+1; return true })
	return nil
}

// encapService runs its level inside the fake container; marker is a
// file an app at the node's level would create.
const encapService = `service "%[1]s" {
  nodes       = ["n1"]
  encapnodes  = ["vm1"]
  orchestrate = "ha"
  on "@encapnodes" {
    nodes = ["vm1"]
  }
  container "vm1" {
    type     = "trustfake"
    hostname = "vm1"
  }
  app "inside" {
    type  = "simple"
    start = "/bin/true"
    tags  = ["encap"]
  }
}
`

// A container's root edits the agent's configuration with a newer
// generation: the node takes changes to the level inside only, one
// generation past its own, and nothing that would run on the node. A
// refused edit is refused whole: nothing is pulled, nothing runs on the
// node, the node puts its own configuration back in the container, and
// om mon and the service's status say why and how to make the change.
func TestContainerRootCannotTakeOverTheNode(t *testing.T) {
	dir := t.TempDir()
	svc := "enc"
	src := fmt.Sprintf(encapService, svc)
	marker := filepath.Join(dir, "ran-on-the-node")
	evilApp := fmt.Sprintf("  app \"evil\" {\n    type  = \"simple\"\n    start = \"/bin/touch %s\"\n  }\n}\n", marker)
	c, d := runEncapDaemon(t, dir)
	ctx := context.Background()
	if _, err := c.PushConfig(ctx, map[string]string{svc: src}); err != nil {
		t.Fatal(err)
	}
	awaitRunning(t, c, svc)
	node := d.configs.get(svc)
	for _, tc := range []struct {
		name, src string
		gen       int64
		why       string
	}{
		{"a node-level app", strings.TrimSuffix(src, "}\n") + evilApp, node.Gen + 1, "resource app#evil added without the encap tag: it would run on the node"},
		{"generation 2^63-1", strings.Replace(src, "/bin/true", "/bin/true -v", 1), 1<<63 - 1, "out of range"},
		{"two generations on", strings.Replace(src, "/bin/true", "/bin/true -v", 1), node.Gen + 2, "more than 1 past this node's 1"},
		{"a second service", src + "service \"" + svc + "2\" {\n  nodes = [\"n1\"]\n  orchestrate = \"ha\"\n  topology = \"flex\"\n" + evilApp, node.Gen + 1, `service "enc2" added`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			edited := &state.ConfigEntry{Service: svc, Gen: tc.gen, Hash: state.HashSource(tc.src), Origin: "vm1", Source: tc.src}
			pushes := inside(svc, func(a *fakeAgent) int { a.entry = edited; return a.pushes })
			awaitMon(t, c, "the refusal of "+tc.name, func(v *wire.MonView) bool {
				return slices.ContainsFunc(v.ConfigRefused, func(r wire.ConfigRefusal) bool {
					return r.Service == svc && r.Version == edited.Version() && strings.Contains(r.Why, tc.why) && strings.Contains(r.Accept, "om enc edit config on n1")
				})
			})
			awaitMon(t, c, "the node's configuration back in the container", func(*wire.MonView) bool {
				return inside(svc, func(a *fakeAgent) bool { return a.pushes > pushes && a.entry.Version() == node.Version() })
			})
			time.Sleep(3 * d.timings.Monitor) // rounds that would converge a pulled configuration
			if e := d.configs.get(svc); e.Version() != node.Version() {
				t.Errorf("the node holds generation %d, want its own %d", e.Gen, node.Gen)
			}
			if _, err := os.Stat(marker); err == nil {
				t.Fatal("the app at the node's level ran on the node")
			}
			if cfg := d.currentConfig(); len(cfg.Services) != 1 {
				t.Errorf("the configuration in force has %d services", len(cfg.Services))
			}
		})
	}
	// an edit of the level inside is taken and handed to the cluster
	legit := strings.Replace(src, "nodes = [\"vm1\"]", "nodes = [\"vm1\"]\n    app = \"edited in vm1\"", 1)
	edited := &state.ConfigEntry{Service: svc, Gen: node.Gen + 1, Hash: state.HashSource(legit), Origin: "vm1", Source: legit}
	inside(svc, func(a *fakeAgent) bool { a.entry = edited; return true })
	awaitMon(t, c, "the edit inside pulled", func(v *wire.MonView) bool {
		return d.configs.get(svc).Version() == edited.Version() && len(v.ConfigRefused) == 0
	})
}

// What a container reports of its own resources may make the node
// restart or relocate the service, never crash or reboot the node: a
// monitored app inside reported dead, its restarts spent, with
// monitor_action = "crash", relocates the service instead.
func TestContainerWordNeverCrashesTheNode(t *testing.T) {
	crashed := make(chan string, 1)
	real := sysrq
	sysrq = func(key string) {
		select {
		case crashed <- key:
		default: // the first tells
		}
	}
	t.Cleanup(func() { sysrq = real })
	dir := t.TempDir()
	svc := "encmon"
	src := strings.Replace(fmt.Sprintf(encapService, svc), "orchestrate = \"ha\"", "orchestrate = \"ha\"\n  monitor_action = \"crash\"", 1)
	c, d := runEncapDaemon(t, dir)
	ctx := context.Background()
	if _, err := c.PushConfig(ctx, map[string]string{svc: src}); err != nil {
		t.Fatal(err)
	}
	awaitRunning(t, c, svc)
	inside(svc, func(a *fakeAgent) bool { a.appDown = true; return true })
	awaitMon(t, c, svc+" relocated by the monitor", func(v *wire.MonView) bool {
		select {
		case key := <-crashed:
			t.Fatalf("the node was sent sysrq %q on the word of its container", key)
		default:
		}
		return slices.ContainsFunc(v.Services, func(s wire.MonService) bool {
			return s.Name == svc && s.Instances["n1"] != nil && s.Instances["n1"].MonitorFailed
		})
	})
	select {
	case key := <-crashed:
		t.Fatalf("the node was sent sysrq %q on the word of its container", key)
	case <-time.After(3 * d.timings.Monitor):
	}
	if inside(svc, func(a *fakeAgent) bool { return a.running }) {
		t.Error("the service still runs here after its monitor gave up")
	}
}

// runEncapDaemon runs a one-node daemon, fast profile, whose agents are
// installed from a dummy binary (the fake agents never run it).
func runEncapDaemon(t *testing.T, dir string) (*wire.Client, *Daemon) {
	t.Helper()
	st := filepath.Join(dir, "state")
	d, err := New(testOptions(t, st, "fast"))
	if err != nil {
		t.Fatal(err)
	}
	d.agents.Binary = filepath.Join(dir, "om")
	if err := os.WriteFile(d.agents.Binary, []byte("om"), 0o755); err != nil {
		t.Fatal(err)
	}
	c, _ := serveDaemon(t, d)
	return c, d
}

func awaitRunning(t *testing.T, c *wire.Client, svc string) {
	t.Helper()
	awaitMon(t, c, svc+" running", func(v *wire.MonView) bool {
		return slices.ContainsFunc(v.Services, func(s wire.MonService) bool { return s.Name == svc && len(s.Running) > 0 })
	})
}

func awaitMon(t *testing.T, c *wire.Client, what string, ok func(*wire.MonView) bool) {
	t.Helper()
	for end := time.Now().Add(20 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		v, err := c.Mon(context.Background())
		if err == nil && ok(v) {
			return
		}
		if time.Now().After(end) {
			t.Fatalf("no %s after 20 s (%v)", what, err)
		}
	}
}
