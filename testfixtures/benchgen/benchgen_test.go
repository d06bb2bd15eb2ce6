package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/omhcl/omhcl/lang"
	"github.com/omhcl/omhcl/plan"
)

// The bench claims its snapshot gives the plan real work: check that each
// kind of service in the mix plans what the bench says it does.
func TestGeneratedSnapshotPlansTheMix(t *testing.T) {
	dir := t.TempDir()
	if err := generate(8, dir, "bench1", "bench2"); err != nil {
		t.Fatal(err)
	}
	cfg, diags := lang.Load(filepath.Join(dir, "services"))
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	if len(cfg.Services) != 8 {
		t.Fatalf("%d services loaded, want 8", len(cfg.Services))
	}
	b, err := os.ReadFile(filepath.Join(dir, "snapshot.json"))
	if err != nil {
		t.Fatal(err)
	}
	var live plan.Live
	if err := json.Unmarshal(b, &live); err != nil {
		t.Fatal(err)
	}
	p, _, diags := plan.Make(context.Background(), plan.Request{
		Config: cfg, Source: plan.Snapshot{Live: &live}, Options: plan.Options{Node: "bench1"},
	})
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	changes := map[string][]string{}
	for _, c := range p.Changes {
		changes[c.Service] = append(changes[c.Service], c.RID)
	}
	for i := range 8 {
		name, got := serviceName(i), changes[serviceName(i)]
		switch mixOf(i) {
		case converged:
			if len(got) != 0 {
				t.Errorf("%s is converged but plans %q", name, got)
			}
		case down:
			if len(got) != resourcesPerService {
				t.Errorf("%s is down: plans %q, want all %d resources started", name, got, resourcesPerService)
			}
		case changed:
			if !slices.Contains(got, "ip#vip") || !slices.Contains(got, "app#worker") {
				t.Errorf("%s has a moved address and a stopped worker, but plans %q", name, got)
			}
		}
	}
}

func TestSummarize(t *testing.T) {
	ms := func(n int) sample { return sample{wall: time.Duration(n) * time.Millisecond, maxRSSKB: int64(n)} }
	med, lo, hi, rss := summarize([]sample{ms(30), ms(10), ms(20), ms(40)})
	if med != 25*time.Millisecond || lo != 10*time.Millisecond || hi != 40*time.Millisecond || rss != 40 {
		t.Fatalf("even count: median %s min %s max %s rss %d", med, lo, hi, rss)
	}
	if med, _, _, _ = summarize([]sample{ms(5), ms(1), ms(3)}); med != 3*time.Millisecond {
		t.Fatalf("odd count: median %s, want 3ms", med)
	}
}

func TestMeasureReportsAFailingCommand(t *testing.T) {
	if err := measureMain([]string{"-runs", "1", "--", "false"}); err == nil {
		t.Fatal("measuring false succeeded")
	}
	if err := measureMain([]string{"-runs", "0", "--", "true"}); err == nil {
		t.Fatal("-runs 0 accepted")
	}
}
