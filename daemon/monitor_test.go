package daemon

import (
	"context"
	"testing"
	"time"

	"github.com/omhcl/omhcl/engine"
	"github.com/omhcl/omhcl/lang"
	"github.com/omhcl/omhcl/orchestrate"
	"github.com/omhcl/omhcl/plan"
	"github.com/omhcl/omhcl/providers"
)

const monitoredApp = `service "web" {
  nodes = ["n1"]
  app "web" {
    type    = "simple"
    start   = "/bin/sleep 60"
    monitor = true
    restart = 1
  }
}
`

// A round whose observation began before a stop ended may have seen the
// stop's middle: the monitored resource down, its record not yet
// cleared, as a death would leave it. The monitor restarts nothing on
// it, nor does the report say the service runs here (a planned stop of a
// guest was followed by the guest started again on the node it left,
// while its new node started it: two copies). An observation begun after
// the stop is believed: a death then is restarted.
func TestObservationBeforeAnActionEndedIsNotBelieved(t *testing.T) {
	opts := testOptions(t, t.TempDir(), "fast")
	opts.NoEvents = true // the rounds are the test's
	d, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	d.events = newEventWatches(func() {}, d.warnf, time.Second)
	cfg, diags := lang.LoadFiles(map[string][]byte{"web.hcl": []byte(monitoredApp)})
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	svc := cfg.Service("web")
	ctx := context.Background()
	t.Cleanup(func() {
		d.act(ctx, cfg, "web", "stop", "test end", engine.Request{Target: plan.TargetDown})
		d.work.Wait()
	})
	converge := func(what string, target plan.Target) {
		t.Helper()
		if !d.act(ctx, cfg, "web", what, "test", engine.Request{Target: target}) {
			t.Fatalf("%s not launched", what)
		}
		d.work.Wait()
		if note := d.run("web").note; note != what+" done" {
			t.Fatalf("%s: %q", what, note)
		}
	}
	// died is li as the driver reads a dead (or stopping) app: down, its
	// record kept
	died := func(li *plan.LiveInstance) *plan.LiveInstance {
		out := *li
		out.Resources = nil
		for _, r := range li.Resources {
			c := *r
			c.Status = providers.Down
			out.Resources = append(out.Resources, &c)
		}
		return &out
	}
	view := orchestrate.View{Self: "n1", Quorum: true}

	converge("start", plan.TargetUp)
	began := time.Now()
	before := d.observe(ctx, cfg)["web"] // begun before the stop
	if !d.runsHere("web") {
		t.Fatal("the service does not run here after its start")
	}
	converge("stop", plan.TargetDown)
	if d.localReport().Instances["web"].Running {
		t.Error("the report published after the stop says the service runs here (the round observed it before the stop ended)")
	}
	launched := d.launched.Load()
	d.monitor(ctx, cfg, svc, died(before), view)
	d.work.Wait()
	if n := d.launched.Load() - launched; n != 0 {
		t.Errorf("the monitor acted (%d actions, %q) on an observation begun before the stop ended", n, d.run("web").note)
	}
	if d.localInstance("web", died(before), began).Running {
		t.Error("an observation begun before the stop ended says the service runs here")
	}

	converge("start", plan.TargetUp)
	after := d.observe(ctx, cfg)["web"]
	launched = d.launched.Load()
	d.monitor(ctx, cfg, svc, died(after), view)
	d.work.Wait()
	if d.launched.Load() == launched || d.run("web").restarts["app#web"] != 1 {
		t.Errorf("a death seen by an observation begun after the start was not restarted (restarts %v)", d.run("web").restarts)
	}
}

// An action that plans nothing is not launched again before a round's
// interval: the decision that asked for it may hold (a resource whose
// state cannot be read plans nothing), and the rounds, each woken by the
// last action's end, launched 22 438 starts in 45 s.
func TestActionThatPlansNothingIsNotRepeatedAtOnce(t *testing.T) {
	opts := testOptions(t, t.TempDir(), "default") // rounds 1 s apart
	d, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	cfg, diags := lang.LoadFiles(map[string][]byte{"web.hcl": []byte(monitoredApp)})
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	ctx := context.Background()
	t.Cleanup(func() {
		d.mu.Lock()
		d.run("web").retryAfter = time.Time{}
		d.mu.Unlock()
		d.act(ctx, cfg, "web", "stop", "test end", engine.Request{Target: plan.TargetDown})
		d.work.Wait()
	})
	up := engine.Request{Target: plan.TargetUp}
	if !d.act(ctx, cfg, "web", "start", "test", up) {
		t.Fatal("the first start was not launched")
	}
	d.work.Wait()
	if !d.act(ctx, cfg, "web", "start", "test", up) {
		t.Fatal("a start after one that did something was not launched")
	}
	d.work.Wait() // the app runs: this one planned nothing
	if d.act(ctx, cfg, "web", "start", "test", up) {
		t.Error("a start launched at once after one that planned nothing")
	}
}
