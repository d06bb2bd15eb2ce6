package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"
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
	// Docker: the service's app runs in a container, each node running
	// its own engine (examples/lab-docker).
	Docker bool
	// KVM: the service runs in a virtual machine, each node running its
	// own libvirtd (examples/lab-kvm).
	KVM bool
	// Boots: per trial of a KVM run, how long the guest took on the new
	// node from its start to its agent's answer (the node's daemon log);
	// 0 when the log did not say.
	Boots []time.Duration
}

// label names the run in tables: the profile, and the app's kind.
func (r profileRun) label() string {
	switch {
	case r.Docker:
		return r.Profile + "/docker"
	case r.KVM:
		return r.Profile + "/kvm"
	}
	return r.Profile
}

// dockerService is the HA service whose app runs in docker.
const dockerService = "examples/lab-docker/service.hcl"

// kvmService is the HA service that runs in a virtual machine.
const kvmService = "examples/lab-kvm/service.hcl"

func cmdBench(g *globals, args []string) error {
	fs := flag.NewFlagSet("bench", flag.ExitOnError)
	trials := fs.Int("trials", 20, "failovers timed with the fast profile")
	defTrials := fs.Int("default-trials", 5, "failovers timed with the default profile (0: skip it)")
	dockerTrials := fs.Int("docker-trials", 0, "failovers timed with the fast profile, the app in docker ("+dockerService+"; each node runs its own dockerd)")
	kvmTrials := fs.Int("kvm-trials", 0, "failovers timed with the fast profile, the service in a virtual machine ("+kvmService+"; each node runs its own libvirtd)")
	idle := fs.Duration("idle", 10*time.Second, "idle window for the daemons' CPU and memory")
	service := fs.String("service", clusterlab.ExampleService, "the service to fail over")
	doc := fs.String("doc", "", "also write the method and figures, in markdown, to this file")
	_ = fs.Parse(args)
	src, bin, err := serviceAndBin(g, *service)
	if err != nil {
		return err
	}
	dockerSrc, _, err := serviceAndBin(g, dockerService)
	if err != nil {
		return err
	}
	kvmSrc, _, err := serviceAndBin(g, kvmService)
	if err != nil {
		return err
	}
	var runs []profileRun
	for _, p := range []struct {
		name        string
		trials      int
		docker, kvm bool
	}{{"fast", *trials, false, false}, {"default", *defTrials, false, false}, {"fast", *dockerTrials, true, false}, {"fast", *kvmTrials, false, true}} {
		if p.trials <= 0 {
			continue
		}
		run := profileRun{Profile: p.name, Wanted: p.trials, IdleFor: *idle, Nodes: 3, Docker: p.docker, KVM: p.kvm}
		fmt.Printf("== %s: 3 nodes, %d failovers (kill -9 of the node running web)\n", run.label(), p.trials)
		svc := src
		switch {
		case p.docker:
			svc = dockerSrc
		case p.kvm:
			svc = kvmSrc
		}
		run = benchProfile(bin, svc, run)
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

// benchProfile runs one profile. Each trial runs in a fresh lab, so every
// failover starts from the same steady state (web on node1, three healthy
// nodes) and trials are independent; the first lab also measures the idle
// daemons.
func benchProfile(bin string, src []byte, run profileRun) profileRun {
	profile, trials, idle := run.Profile, run.Wanted, run.IdleFor
	for i := 1; i <= trials; i++ {
		window := idle
		if i > 1 {
			window = 0
		}
		f, err := benchTrial(bin, src, profile, window, &run)
		if err != nil {
			run.ErrReason = err.Error()
			return run
		}
		run.Trials = append(run.Trials, f)
		boot := ""
		if run.KVM {
			b := run.Boots[len(run.Boots)-1]
			boot = fmt.Sprintf(", the guest booted in %s", ms(b))
		}
		fmt.Printf("   %2d: %s died, web answering from %s after %s (address moved after %s%s)\n",
			i, f.From, f.To, ms(f.Served), ms(f.Moved), boot)
	}
	return run
}

// benchTrial builds a lab, measures the idle daemons for idle (0: not),
// kills the node running the service and times the failover.
func benchTrial(bin string, src []byte, profile string, idle time.Duration, run *profileRun) (f clusterlab.Failover, err error) {
	r, err := clusterlab.Create(run.Nodes, clusterlab.Options{BinDir: bin, Profile: profile, Engines: run.Docker, VMs: run.KVM})
	if err != nil {
		return f, err
	}
	defer downOnSignal(r)()
	defer func() {
		if derr := r.Down(); derr != nil {
			fmt.Fprintln(os.Stderr, "lab:", derr)
		}
	}()
	withLogs := func(err error) error { return fmt.Errorf("%v\n%s", err, daemonLogs(r)) }
	if _, err := formCluster(r, src, func(string, ...any) {}); err != nil {
		return f, withLogs(err)
	}
	w := r.Watch(clusterlab.ServiceIP)
	defer w.Stop()
	if idle > 0 {
		if run.Idle, err = r.IdleCost(idle); err != nil {
			return f, withLogs(err)
		}
	}
	before := bootCounts(r)
	if f, err = r.MeasureFailover(w, clusterlab.ServiceURL, waitLong); err != nil {
		return f, withLogs(err)
	}
	if run.KVM {
		run.Boots = append(run.Boots, guestBoot(r, f.To, before[f.To]))
	}
	w.Stop()
	if doubles, n := w.Doubles(); n > 0 {
		run.Doubles += n
		fmt.Printf("   the address was on two nodes at once, first at %s:\n%s", doubles[0], w.Report())
	}
	return f, nil
}

// downOnSignal takes the lab down and exits on Ctrl-C or SIGTERM, until
// the returned function is called: an interrupted bench leaves nothing.
func downOnSignal(r *clusterlab.Rig) (stop func()) {
	sigs := make(chan os.Signal, 1)
	done := make(chan struct{})
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	go func() {
		select {
		case sig := <-sigs:
			fmt.Fprintf(os.Stderr, "lab: %v: taking the bench lab down\n", sig)
			if err := r.Down(); err != nil {
				fmt.Fprintln(os.Stderr, "lab:", err)
			}
			os.Exit(130)
		case <-done:
		}
	}()
	return func() {
		signal.Stop(sigs)
		close(done)
	}
}

func daemonLogs(r *clusterlab.Rig) string {
	s := ""
	for _, n := range r.Nodes {
		s += fmt.Sprintf("---- %s daemon log, last lines:\n%s\n", n.Name, clusterlab.LogTail(n.Log, 40))
	}
	return s
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2fs", d.Seconds()) }

// bootMarker is what container.kvm logs when a guest's agent answers:
// "NAME's guest agent answered 3.0s after start".
const bootMarker = "guest agent answered "

// bootCounts counts, per node, the guest starts its daemon log tells of.
func bootCounts(r *clusterlab.Rig) map[string]int {
	out := map[string]int{}
	for _, n := range r.Nodes {
		b, _ := os.ReadFile(n.Log)
		out[n.Name] = strings.Count(string(b), bootMarker)
	}
	return out
}

// guestBoot waits up to 10 s for node's daemon log to tell of a guest
// start after the first skip ones, and returns how long it waited for
// the guest's agent (0 when the log does not say): the guest's page may
// answer before its agent does, and the start logs it when its next look
// finds the agent answering.
func guestBoot(r *clusterlab.Rig, node string, skip int) time.Duration {
	n, err := r.Node(node)
	if err != nil {
		return 0
	}
	for end := time.Now().Add(10 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		b, _ := os.ReadFile(n.Log)
		lines := strings.SplitAfter(string(b), bootMarker)
		if len(lines) > skip+1 {
			word, _, _ := strings.Cut(lines[skip+1], " ")
			d, _ := time.ParseDuration(word)
			return d
		}
		if time.Now().After(end) {
			return 0
		}
	}
}
