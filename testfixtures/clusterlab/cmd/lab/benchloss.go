package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/omhcl/omhcl/testfixtures/clusterlab"
)

func cmdLoss(g *globals, args []string) error {
	if len(args) < 2 || len(args) > 3 {
		return errors.New("usage: loss NODE PCT [both|egress|ingress]")
	}
	pct, err := strconv.Atoi(strings.TrimSuffix(args[1], "%"))
	if err != nil {
		return fmt.Errorf("loss: %q is no percentage", args[1])
	}
	dir := clusterlab.LossBoth
	if len(args) == 3 {
		if dir, err = clusterlab.ParseLossDir(args[2]); err != nil {
			return err
		}
	}
	r, err := open(g)
	if err != nil {
		return err
	}
	return r.Loss(args[0], pct, dir)
}

func opNoLoss(r *clusterlab.Rig, node string) error { return r.NoLoss(node) }

// cmdBenchLoss runs a lossy-link trial per loss rate and direction, each
// in a fresh lab with the fast profile: the loss is on the node serving
// the service, for -for.
func cmdBenchLoss(g *globals, args []string) error {
	fs := flag.NewFlagSet("bench-loss", flag.ExitOnError)
	dur := fs.Duration("for", time.Minute, "how long each loss lasts")
	pcts := fs.String("pcts", "10,30,50", "loss rates, in %")
	dirs := fs.String("dirs", "both,egress", "directions: both, egress, ingress")
	profile := fs.String("profile", "fast", "the daemons' timing profile")
	docker := fs.Bool("docker", false, "the service's app in a container, an engine per node ("+dockerService+")")
	_ = fs.Parse(args)
	src, bin, err := serviceAndBin(g, exampleService(*docker))
	if err != nil {
		return err
	}
	var trials []clusterlab.LossTrial
	failed := false
	for _, ds := range strings.Split(*dirs, ",") {
		dir, err := clusterlab.ParseLossDir(ds)
		if err != nil {
			return err
		}
		for _, ps := range strings.Split(*pcts, ",") {
			pct, err := strconv.Atoi(ps)
			if err != nil {
				return fmt.Errorf("-pcts: %q", ps)
			}
			t, err := lossTrial(src, clusterlab.Options{BinDir: bin, Profile: *profile, Engines: *docker}, pct, dir, *dur)
			if err != nil {
				return err
			}
			fmt.Println("  ", t)
			trials = append(trials, t)
			failed = failed || t.Doubles > 0 || t.Nowhere > 5*time.Second || t.Moves > 1
		}
	}
	fmt.Printf("\n%s profile, 3 nodes, loss on the node serving web for %s; client probes every %s (timeout %s, a new connection each)\n\n",
		*profile, *dur, clusterlab.ProbeEvery, clusterlab.ProbeTimeout)
	fmt.Println("| loss | direction | address on no node | moves | on two nodes | fences | client: no answer | longest gap | answered by |")
	fmt.Println("|---|---|---|---|---|---|---|---|---|")
	for _, t := range trials {
		var by []string
		for n, c := range t.Client.Servers {
			by = append(by, fmt.Sprintf("%s %d", n, c))
		}
		fmt.Printf("| %d %% | %s | %.2f s | %d | %d | %d | %.1f s | %.1f s | %s |\n", t.Pct, t.Dir, t.Nowhere.Seconds(), t.Moves, t.Doubles, t.Fences,
			t.Client.Unanswered.Seconds(), t.Client.LongestGap.Seconds(), strings.Join(by, ", "))
	}
	if failed {
		return errors.New("a trial left the address on no node for over 5 s, moved it more than once or put it on two nodes")
	}
	return nil
}

func lossTrial(src []byte, opts clusterlab.Options, pct int, dir clusterlab.LossDir, d time.Duration) (t clusterlab.LossTrial, err error) {
	r, err := clusterlab.Create(3, opts)
	if err != nil {
		return t, err
	}
	defer downOnSignal(r)()
	defer func() {
		if derr := r.Down(); derr != nil {
			fmt.Fprintln(os.Stderr, "lab:", derr)
		}
	}()
	node, err := formCluster(r, src, func(string, ...any) {})
	if err != nil {
		return t, fmt.Errorf("%v\n%s", err, daemonLogs(r))
	}
	w := r.Watch(clusterlab.ServiceIP)
	defer w.Stop()
	return r.RunLoss(w, node, pct, dir, d)
}
