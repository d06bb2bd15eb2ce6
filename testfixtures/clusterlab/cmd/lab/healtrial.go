package main

import (
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/omhcl/omhcl/testfixtures/clusterlab"
)

// cmdHealTrial cuts the node serving the service and heals it, over and
// over, in a fresh lab with the fast profile, then watches the quiet time
// after: the service must settle on one node and stay there, and never
// be on two nodes at once.
func cmdHealTrial(g *globals, args []string) error {
	fs := flag.NewFlagSet("heal-trial", flag.ExitOnError)
	cycles := fs.Int("cycles", 50, "cut and heal cycles")
	cut := fs.Duration("cut", time.Second, "how long each cut lasts")
	heal := fs.Duration("heal", time.Second, "how long each heal lasts before the next cut")
	quiet := fs.Duration("quiet", time.Minute, "how long to watch after the last heal")
	settle := fs.Duration("settle", 15*time.Second, "the service must be on one node for good this long after the last heal")
	profile := fs.String("profile", "fast", "the daemons' timing profile")
	docker := fs.Bool("docker", false, "the service's app in a container, an engine per node ("+dockerService+")")
	_ = fs.Parse(args)
	r, w, done, err := trialLab(g, *profile, *docker)
	if err != nil {
		return err
	}
	defer done()
	t, err := r.RunFlaps(w, *cycles, *cut, *heal, *quiet, *settle)
	if err != nil {
		return err
	}
	fmt.Println(t)
	if err := t.Err(); err != nil {
		return fmt.Errorf("%v\n%s\n%s", err, w.Report(), daemonLogs(r))
	}
	return nil
}

// trialLab is a fresh 3-node lab of its own for a trial, the example
// service deployed and its address watched; done stops the watcher and
// removes the lab (an interrupt removes it too).
func trialLab(g *globals, profile string, docker bool) (r *clusterlab.Rig, w *clusterlab.Watcher, done func(), err error) {
	src, bin, err := serviceAndBin(g, exampleService(docker))
	if err != nil {
		return nil, nil, nil, err
	}
	r, err = clusterlab.Create(3, clusterlab.Options{BinDir: bin, Profile: profile, Engines: docker})
	if err != nil {
		return nil, nil, nil, err
	}
	stopSignals := downOnSignal(r)
	down := func() {
		stopSignals()
		if derr := r.Down(); derr != nil {
			fmt.Fprintln(os.Stderr, "lab:", derr)
		}
	}
	if _, err := formCluster(r, src, func(string, ...any) {}); err != nil {
		err = fmt.Errorf("%v\n%s", err, daemonLogs(r))
		down()
		return nil, nil, nil, err
	}
	w = r.Watch(clusterlab.ServiceIP)
	return r, w, func() { w.Stop(); down() }, nil
}
