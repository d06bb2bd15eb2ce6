package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/omhcl/omhcl/testfixtures/clusterlab"
)

// profileRun is what the bench measured with one timing profile.
type profileRun struct {
	Profile   string
	Wanted    int // trials asked for
	Trials    []clusterlab.Failover
	Idle      []clusterlab.Idle
	IdleFor   time.Duration
	Doubles   int // samples with the address on two nodes, over the run
	Nodes     int
	ErrReason string // why the run stopped early, "" when complete
}

func cmdBench(g *globals, args []string) error {
	fs := flag.NewFlagSet("bench", flag.ExitOnError)
	trials := fs.Int("trials", 20, "failovers timed with the fast profile")
	defTrials := fs.Int("default-trials", 5, "failovers timed with the default profile (0: skip it)")
	idle := fs.Duration("idle", 10*time.Second, "idle window for the daemons' CPU and memory")
	service := fs.String("service", clusterlab.ExampleService, "the service to fail over")
	doc := fs.String("doc", "", "also write the method and figures, in markdown, to this file")
	_ = fs.Parse(args)
	src, err := os.ReadFile(*service)
	if err != nil {
		return err
	}
	bin, err := absBin(g)
	if err != nil {
		return err
	}
	var runs []profileRun
	for _, p := range []struct {
		name   string
		trials int
	}{{"fast", *trials}, {"default", *defTrials}} {
		if p.trials <= 0 {
			continue
		}
		fmt.Printf("== %s profile: 3 nodes, %d failovers (kill -9 of the node running web)\n", p.name, p.trials)
		run := benchProfile(bin, src, p.name, p.trials, *idle)
		runs = append(runs, run)
		if run.ErrReason != "" {
			fmt.Printf("   stopped early: %s\n", run.ErrReason)
		}
	}
	fmt.Println()
	printTable(os.Stdout, runs)
	if *doc != "" {
		if err := writeDoc(*doc, runs); err != nil {
			return err
		}
		fmt.Printf("\nmethod and figures written to %s\n", *doc)
	}
	for _, r := range runs {
		if r.ErrReason != "" || r.Doubles > 0 {
			return errors.New("the bench did not complete cleanly (see above)")
		}
	}
	return nil
}

// benchProfile runs one profile in a lab of its own: idle cost first, then
// the failovers, each followed by the dead node's revival.
func benchProfile(bin string, src []byte, profile string, trials int, idle time.Duration) (run profileRun) {
	run = profileRun{Profile: profile, Wanted: trials, IdleFor: idle, Nodes: 3}
	r, err := clusterlab.Create(3, clusterlab.Options{BinDir: bin, Profile: profile})
	if err != nil {
		run.ErrReason = err.Error()
		return run
	}
	defer func() {
		if err := r.Down(); err != nil {
			fmt.Fprintln(os.Stderr, "lab:", err)
		}
	}()
	fail := func(err error) profileRun {
		run.ErrReason = fmt.Sprintf("%v\n%s", err, daemonLogs(r))
		return run
	}
	if _, err := formCluster(r, src, func(string, ...any) {}); err != nil {
		return fail(err)
	}
	w := r.Watch(clusterlab.ServiceIP)
	defer w.Stop()
	if run.Idle, err = r.IdleCost(idle); err != nil {
		return fail(err)
	}
	for i := 1; i <= trials; i++ {
		f, err := r.MeasureFailover(w, clusterlab.ServiceURL, waitLong)
		if err != nil {
			return fail(err)
		}
		run.Trials = append(run.Trials, f)
		fmt.Printf("   %2d: %s died, web answering from %s after %s (address moved after %s)\n",
			i, f.From, f.To, ms(f.Served), ms(f.Moved))
		if err := r.Revive(f.From, waitLong); err != nil {
			return fail(err)
		}
		if _, err := r.WaitSettled("web", waitLong); err != nil {
			return fail(err)
		}
	}
	_, run.Doubles = w.Doubles()
	if run.Doubles > 0 {
		fmt.Print(w.Report())
	}
	return run
}

func daemonLogs(r *clusterlab.Rig) string {
	s := ""
	for _, n := range r.Nodes {
		s += fmt.Sprintf("---- %s daemon log, last lines:\n%s\n", n.Name, clusterlab.LogTail(n.Log, 40))
	}
	return s
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2fs", d.Seconds()) }
