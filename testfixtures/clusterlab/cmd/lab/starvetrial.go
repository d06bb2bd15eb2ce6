package main

import (
	"flag"
	"fmt"
	"os/exec"
	"runtime"
	"slices"
	"syscall"
	"time"

	"github.com/omhcl/omhcl/testfixtures/clusterlab"
)

// cmdStarveTrial plays a partition on a starved machine: while CPU hogs
// keep every CPU busy (the lab's nodes share the machine's CPUs, so every
// daemon starves alike), the node serving the service is cut from the
// others. The cut node must drop the address (its fence) before a
// survivor plumbs it: the watcher, which samples every node every 20 ms,
// must never see it on two nodes, and the margin between the drop and
// the takeover is printed per trial.
func cmdStarveTrial(g *globals, args []string) error {
	fs := flag.NewFlagSet("starve-trial", flag.ExitOnError)
	trials := fs.Int("trials", 10, "cuts")
	hogs := fs.Int("hogs", 2*runtime.NumCPU(), "busy loops, at nice 0 as the daemons")
	cut := fs.Duration("cut", 3*time.Second, "how long each cut lasts")
	_ = fs.Parse(args)
	r, w, done, err := trialLab(g, "fast", false)
	if err != nil {
		return err
	}
	defer done()
	fmt.Printf("starve trial: %d cuts of %s of the node serving web, %d CPU hogs on %d CPUs, fast profile\n", *trials, *cut, *hogs, runtime.NumCPU())
	var margins []time.Duration
	for i := 1; i <= *trials; i++ {
		m, err := starveCut(r, w, *hogs, *cut)
		if err != nil {
			return fmt.Errorf("trial %d: %v\n%s\n%s", i, err, w.Report(), daemonLogs(r))
		}
		fmt.Printf("  %2d: %s\n", i, m)
		margins = append(margins, m.margin)
	}
	_, doubles := w.Doubles()
	slices.Sort(margins)
	fmt.Printf("drop before takeover: min %s, median %s; address on two nodes in %d samples\n",
		margins[0].Round(time.Millisecond), margins[len(margins)/2].Round(time.Millisecond), doubles)
	if doubles > 0 {
		return fmt.Errorf("the address was on two nodes at once\n%s", w.Report())
	}
	return nil
}

type starveResult struct {
	from, to               string
	dropped, moved, margin time.Duration
}

func (s starveResult) String() string {
	return fmt.Sprintf("%s cut: it dropped the address after %s, %s plumbed it after %s (margin %s)",
		s.from, s.dropped.Round(time.Millisecond), s.to, s.moved.Round(time.Millisecond), s.margin.Round(time.Millisecond))
}

// starveCut cuts the holder under CPU hogs until the address moved, then
// stops the hogs, heals, and waits for the cluster to settle.
func starveCut(r *clusterlab.Rig, w *clusterlab.Watcher, hogs int, cut time.Duration) (starveResult, error) {
	var res starveResult
	from, err := w.WaitHolder(30 * time.Second)
	if err != nil {
		return res, err
	}
	res.from = from
	stop, err := startHogs(hogs)
	if err != nil {
		return res, err
	}
	time.Sleep(time.Second) // the daemons starve before the cut
	start := time.Now()
	err = r.Cut(from)
	deadline := start.Add(10 * time.Second)
	for err == nil && (res.dropped == 0 || res.moved == 0) {
		holders := w.Holders()
		if res.dropped == 0 && !slices.Contains(holders, from) {
			res.dropped = time.Since(start)
		}
		if res.moved == 0 {
			for _, h := range holders {
				if h != from {
					res.to, res.moved = h, time.Since(start)
				}
			}
		}
		if time.Now().After(deadline) {
			err = fmt.Errorf("no takeover within 10s of the cut (holders %v)", holders)
		}
		time.Sleep(5 * time.Millisecond)
	}
	res.margin = res.moved - res.dropped
	time.Sleep(max(cut-time.Since(start), 0))
	stop()
	if herr := r.Heal(from); err == nil {
		err = herr
	}
	if err == nil {
		_, err = w.WaitFor(30*time.Second, "the service on one node after the heal", clusterlab.Single())
	}
	time.Sleep(5 * time.Second) // hold-down and settling, before the next cut
	return res, err
}

// startHogs starts n busy loops; the returned function kills them.
func startHogs(n int) (func(), error) {
	var cmds []*exec.Cmd
	stop := func() {
		for _, c := range cmds {
			_ = syscall.Kill(c.Process.Pid, syscall.SIGKILL)
			_ = c.Wait()
		}
	}
	for range n {
		c := exec.Command("sh", "-c", "while :; do :; done")
		if err := c.Start(); err != nil {
			stop()
			return nil, fmt.Errorf("hog: %v", err)
		}
		cmds = append(cmds, c)
	}
	return stop, nil
}
