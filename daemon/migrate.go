package daemon

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/omhcl/omhcl/engine"
	"github.com/omhcl/omhcl/lang"
	"github.com/omhcl/omhcl/orchestrate"
	"github.com/omhcl/omhcl/plan"
	"github.com/omhcl/omhcl/providers"
	"github.com/omhcl/omhcl/transport"
)

// Live migrations (docs/containers-kvm.md, "Live migration"). The node
// running a service whose container says live_migrate = true makes a
// planned move (switch, giveback, a degraded link's yield) a migration:
// the engine stops the rest of the service here, the container's driver
// migrates it to the target through the data channel, and the target,
// finding the container running there without having started it, starts
// the rest. A migration that fails starts again what it stopped, and
// this node claims the service back.

// migrate makes a planned move of svc a live migration when one of its
// resources migrates live; false when none does.
func (d *Daemon) migrate(ctx context.Context, cfg *lang.Config, svc string, dec orchestrate.Decision) bool {
	if !dec.Planned || dec.Target == "" || dec.Target == d.opts.Node {
		return false
	}
	rid := engine.MigratableRID(cfg, d.opts.Node, svc)
	if rid == "" {
		return false
	}
	to := providers.MigrationTarget{Node: dec.Target, Dial: d.migrationDial(dec.Target, svc, rid)}
	d.actFor(ctx, cfg, svc, "migrate", dec.Reason+", live", dec.Target, engine.Request{Target: plan.TargetDown, Migrate: &engine.Migration{RID: rid, To: to}})
	return true
}

// migratedAway publishes, at once, that a live migration took svc away
// (the report says what the migration left: serviceRun.running), for the
// target to start the rest without waiting for a round (one observing
// the guest inside through its agent may take seconds).
func (d *Daemon) migratedAway() {
	d.work.Go(func() { d.localReport() }) // its digest, which beacon answers carry, anew
}

// migrationDial opens the data channel request of a migration of svc's
// rid into node: a connection to the relay node's daemon runs there.
func (d *Daemon) migrationDial(node, svc, rid string) func(context.Context) (io.ReadWriteCloser, error) {
	return func(ctx context.Context) (io.ReadWriteCloser, error) {
		addr, err := d.peerAddrOf(node)
		if err != nil {
			return nil, err
		}
		ctx, cancel := context.WithCancel(ctx)
		inR, inW := io.Pipe()
		outR, outW := io.Pipe()
		c := &channelConn{r: outR, w: inW, cancel: cancel, done: make(chan struct{})}
		go func() {
			defer close(c.done)
			code, err := transport.Run(ctx, d.id, node, addr, providers.MigrateRequest(svc, rid), inR, outW, &c.stderr, d.timings.DataTimeout)
			if err == nil && code != 0 {
				err = fmt.Errorf("%s", strings.TrimSpace(strings.TrimPrefix(c.stderr.String(), "refused: ")))
				if code != 126 {
					err = fmt.Errorf("exit %d: %w", code, err)
				}
			}
			c.err = err
			outW.CloseWithError(io.EOF)
			inR.Close()
		}()
		return c, nil
	}
}

// channelConn is a data channel request's streams as a connection; Err
// says how the command ended once its streams did.
type channelConn struct {
	r      *io.PipeReader
	w      *io.PipeWriter
	cancel context.CancelFunc
	done   chan struct{}
	stderr boundedBuffer
	err    error
}

func (c *channelConn) Read(b []byte) (int, error)  { return c.r.Read(b) }
func (c *channelConn) Write(b []byte) (int, error) { return c.w.Write(b) }

func (c *channelConn) Close() error {
	c.w.Close()
	c.r.Close()
	select {
	case <-c.done:
	case <-time.After(2 * time.Second):
		c.cancel()
	}
	return nil
}

// Err is how the command on the other node ended: nil, or what it (or
// its daemon's refusal) said.
func (c *channelConn) Err() error {
	select {
	case <-c.done:
		return c.err
	case <-time.After(2 * time.Second):
		return nil
	}
}

// boundedBuffer keeps the first 4 KiB written to it.
type boundedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *boundedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if room := 4096 - b.b.Len(); room > 0 {
		b.b.Write(p[:min(len(p), room)])
	}
	return len(p), nil
}

func (b *boundedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// migrateInto says what runs for a member's migrate-in request: the
// receiving end the resource's driver builds from this node's own copy.
// The daemon's policy first: a resource of a service this node takes part
// in, that migrates (its driver a providers.Migrator), of a service that
// does not run here and that this node sees running on the asking node.
// The driver then refuses a resource without live_migrate = true, or
// whose domain is not shut off here.
func (d *Daemon) migrateInto(node string, argv []string) ([]string, error) {
	if len(argv) != 3 {
		return nil, fmt.Errorf("a migration request is %s SERVICE RID", providers.MigrateVerb)
	}
	name, rid := argv[1], argv[2]
	svc := d.currentConfig().Service(name)
	if svc == nil {
		return nil, fmt.Errorf("no service %s here", name)
	}
	inst, diags := svc.Evaluate(d.opts.Node, nil)
	if diags.HasErrors() || inst == nil || plan.Role(inst.Settings, d.opts.Node) == "" {
		return nil, fmt.Errorf("%s takes no part in %s", d.opts.Node, name)
	}
	i := slices.IndexFunc(inst.Resources, func(r *providers.Resource) bool { return r.RID() == rid })
	if i < 0 {
		return nil, fmt.Errorf("%s has no resource %s on %s", name, rid, d.opts.Node)
	}
	drv, err := plan.NewDriver(inst.Resources[i])
	if err != nil {
		return nil, err
	}
	mig, ok := drv.(providers.Migrator)
	if !ok {
		return nil, fmt.Errorf("%s.%s is not a resource that migrates", name, rid)
	}
	if d.runsHere(name) {
		return nil, fmt.Errorf("%s runs on %s: nothing migrates over it", name, d.opts.Node)
	}
	d.mu.Lock()
	r := d.reports[node]
	d.mu.Unlock()
	if r == nil || r.Instances[name] == nil || !r.Instances[name].Running {
		return nil, fmt.Errorf("%s does not run %s as %s last heard: only the node running a service migrates it", node, name, d.opts.Node)
	}
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	return mig.ReceiveCommand(ctx, providers.NewLog(prefixWriter{d, name}), []string{self, "--state-dir", d.store.Root})
}

// arrived says whether the resource of svc that migrates live runs here
// without this node's engine having started it (no settings recorded): a
// live migration brought it (or is bringing it), and the rest of the
// service is to start once the source is done.
func (d *Daemon) arrived(cfg *lang.Config, svc string) bool {
	d.mu.Lock()
	li := d.lives[svc]
	d.mu.Unlock()
	if li == nil || !slices.ContainsFunc(li.Resources, unrecordedContainer) {
		return false
	}
	rid := engine.MigratableRID(cfg, d.opts.Node, svc)
	return rid != "" && slices.ContainsFunc(li.Resources, func(r *plan.LiveResource) bool { return r.RID == rid && unrecordedContainer(r) })
}

// unrecordedContainer is a container up (or paused, a migration coming
// in) that this node's engine did not start.
func unrecordedContainer(r *plan.LiveResource) bool {
	return r.Kind == "container" && r.Skipped == "" && r.Applied == nil && (r.Status == providers.Up || r.Status == providers.Warn)
}
