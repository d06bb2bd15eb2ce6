package main

import (
	"strings"
	"testing"
	"time"

	"github.com/omhcl/omhcl/testfixtures/clusterlab"
)

func secs(v ...float64) []time.Duration {
	var out []time.Duration
	for _, s := range v {
		out = append(out, time.Duration(s*float64(time.Second)))
	}
	return out
}

func TestSummarize(t *testing.T) {
	// 20 values 1..20 s, shuffled: p95 by nearest rank is the 19th
	s, ok := summarize(secs(5, 3, 20, 1, 2, 4, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19))
	if !ok || s.min != secs(1)[0] || s.max != secs(20)[0] || s.median != secs(10.5)[0] || s.p95 != secs(19)[0] {
		t.Errorf("summary of 1..20: %+v", s)
	}
	s, _ = summarize(secs(3, 1, 2))
	if s.median != secs(2)[0] || s.p95 != secs(3)[0] {
		t.Errorf("summary of 1..3: %+v", s)
	}
	if _, ok := summarize(nil); ok {
		t.Error("a summary of nothing")
	}
}

func TestTableShowsIncompleteRuns(t *testing.T) {
	var b strings.Builder
	printTable(&b, []profileRun{
		{Profile: "fast", Wanted: 3, Trials: []clusterlab.Failover{{Served: secs(1.5)[0], Moved: secs(1.4)[0]}},
			ErrReason: "failover from node3: no answer\nlogs...", Idle: []clusterlab.Idle{{RSSKB: 20480, CPUPct: 0.5}}, IdleFor: 10 * time.Second},
		{Profile: "default", Wanted: 5},
	})
	out := b.String()
	for _, want := range []string{"1/3", "1.50s", "20.0 MB RSS, 0.50% CPU over 10s", "0/5", "stopped after 1 of 3 trials: failover from node3: no answer",
		"median 1.50s <= 1s NOT met; p95 1.50s <= 1.5s met; idle RSS 20.0 MB < 30 MB met; idle CPU 0.50% < 1% met"} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "logs...") {
		t.Errorf("the table carries the whole error:\n%s", out)
	}
}

func TestVerdictsSayWhatIsMissed(t *testing.T) {
	got := verdicts(profileRun{Profile: "fast", Trials: []clusterlab.Failover{{Served: secs(2.5)[0]}, {Served: secs(3.5)[0]}},
		Idle: []clusterlab.Idle{{RSSKB: 50 << 10, CPUPct: 2}}})
	want := "median 3.00s <= 1s NOT met; p95 3.50s <= 1.5s NOT met; idle RSS 50.0 MB < 30 MB NOT met; idle CPU 2.00% < 1% NOT met"
	if !strings.Contains(got, want) {
		t.Errorf("verdicts %q, want %q", got, want)
	}
}
