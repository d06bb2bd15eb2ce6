package plan_test

import (
	"context"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/omhcl/omhcl/lang"
	"github.com/omhcl/omhcl/plan"
)

// The BenchmarkPlan benchmarks run what `omplan --snapshot SNAPSHOT --node
// bench1 [-json] SERVICES` does (plan.Stream: each file parsed, each
// service read from the snapshot, evaluated, planned and rendered) on the
// services testfixtures/benchgen generates, as make bench measures it
// (docs/bench.md); BenchmarkPlanWhole1000 runs the whole-configuration
// path (lang.Load, plan.Make, WriteText) that -out, -markdown and the
// selections take. omplan paces its garbage collector itself: to profile
// under the same pacing, GOGC=off GOMEMLIMIT=256MiB. Profile with:
//
//	GOGC=off GOMEMLIMIT=256MiB go test ./plan -run '^$' -bench 'Plan1000$' -cpuprofile cpu.out -memprofile mem.out

func BenchmarkPlan100(b *testing.B)        { benchPlan(b, 100, false) }
func BenchmarkPlan1000(b *testing.B)       { benchPlan(b, 1000, false) }
func BenchmarkPlan1000JSON(b *testing.B)   { benchPlan(b, 1000, true) }
func BenchmarkPlan10000(b *testing.B)      { benchPlan(b, 10000, false) }
func BenchmarkPlanWhole1000(b *testing.B)  { benchPlanWith(b, 1000, false, omplanWhole) }
func BenchmarkDecodeSnapshot(b *testing.B) { benchDecode(b, 1000) }
func BenchmarkWriteText1000(b *testing.B)  { benchRender(b, 1000, false) }
func BenchmarkWriteJSON1000(b *testing.B)  { benchRender(b, 1000, true) }

// generated caches the directories benchgen wrote, by size, for every
// benchmark of the run; TestMain removes them.
var generated = map[int]string{}

func TestMain(m *testing.M) {
	code := m.Run()
	for _, dir := range generated {
		os.RemoveAll(dir)
	}
	os.Exit(code)
}

// generate writes n services and their snapshot with benchgen.
func generate(b testing.TB, n int) string {
	b.Helper()
	if dir := generated[n]; dir != "" {
		return dir
	}
	dir, err := os.MkdirTemp("", "omplan-bench-")
	if err != nil {
		b.Fatal(err)
	}
	generated[n] = dir
	cmd := exec.Command("go", "run", "github.com/omhcl/omhcl/testfixtures/benchgen",
		"-services", strconv.Itoa(n), "-dir", dir, "-node", "bench1")
	if out, err := cmd.CombinedOutput(); err != nil {
		b.Fatalf("benchgen: %v\n%s", err, out)
	}
	return dir
}

func benchPlan(b *testing.B, n int, asJSON bool) { benchPlanWith(b, n, asJSON, omplanStream) }

func benchPlanWith(b *testing.B, n int, asJSON bool, omplan func(string, bool, io.Writer) error) {
	dir := generate(b, n)
	b.ReportAllocs()
	cpu := cpuTime()
	for b.Loop() {
		if err := omplan(dir, asJSON, io.Discard); err != nil {
			b.Fatal(err)
		}
	}
	// CPU time beside wall time: other work on the machine inflates the latter
	b.ReportMetric(float64((cpuTime()-cpu).Milliseconds())/float64(b.N), "cpu-ms/op")
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N)/float64(n), "µs/service")
}

// cpuTime is the process's user and system time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func benchDecode(b *testing.B, n int) {
	raw, err := os.ReadFile(filepath.Join(generate(b, n), "snapshot.json"))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		var live plan.Live
		if err := json.Unmarshal(raw, &live); err != nil {
			b.Fatal(err)
		}
	}
}

// benchRender renders the plan of n generated services, made once.
func benchRender(b *testing.B, n int, asJSON bool) {
	dir := generate(b, n)
	var p *plan.Plan
	if err := omplanWith(dir, func(made *plan.Plan) error { p = made; return nil }); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	cpu := cpuTime()
	for b.Loop() {
		if asJSON {
			if err := plan.WriteJSON(io.Discard, p); err != nil {
				b.Fatal(err)
			}
		} else {
			plan.WriteText(io.Discard, p, false)
		}
	}
	b.ReportMetric(float64((cpuTime()-cpu).Milliseconds())/float64(b.N), "cpu-ms/op")
}

// omplanStream is cmd/omplan's runStream, without its flags.
func omplanStream(dir string, asJSON bool, w io.Writer) error {
	fs, diags := lang.List(filepath.Join(dir, "services"))
	if diags.HasErrors() {
		return diags
	}
	var live *plan.LazyLive
	s := &plan.Stream{JSON: asJSON, Prepare: func(s *plan.Stream) error {
		doc, err := os.ReadFile(filepath.Join(dir, "snapshot.json"))
		if err != nil {
			return err
		}
		if live, err = plan.OpenLive(doc); err != nil {
			return err
		}
		s.Options, s.Source = plan.Options{Node: live.Node}, live
		return nil
	}}
	cfg, diags, plans, err := s.Files(context.Background(), fs)
	if err != nil {
		return err
	}
	if diags.HasErrors() {
		return diags
	}
	if err := live.Finish(); err != nil {
		return err
	}
	p := s.Result(plans, cfg.Files)
	if p.Errored {
		return p.Diags
	}
	if asJSON {
		return p.WriteJSON(w)
	}
	p.WriteText(w)
	return nil
}

// omplanWhole is cmd/omplan's runPlan on the whole configuration, without
// its flags.
func omplanWhole(dir string, asJSON bool, w io.Writer) error {
	return omplanWith(dir, func(p *plan.Plan) error {
		if asJSON {
			return plan.WriteJSON(w, p)
		}
		plan.WriteText(w, p, false)
		return nil
	})
}

// omplanWith makes the plan as omplan does and hands it to render.
func omplanWith(dir string, render func(*plan.Plan) error) error {
	cfg, diags := lang.Load(filepath.Join(dir, "services"))
	if diags.HasErrors() {
		return diags
	}
	raw, err := os.ReadFile(filepath.Join(dir, "snapshot.json"))
	if err != nil {
		return err
	}
	var live plan.Live
	if err := json.Unmarshal(raw, &live); err != nil {
		return err
	}
	req := plan.Request{Config: cfg, Source: plan.Snapshot{Live: &live}, Options: plan.Options{Node: live.Node}}
	p, _, diags := plan.Make(context.Background(), req)
	if diags.HasErrors() {
		return diags
	}
	return render(p)
}
