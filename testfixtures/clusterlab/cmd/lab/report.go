package main

import (
	"fmt"
	"io"
	"math"
	"os"
	"runtime"
	"slices"
	"strings"
	"time"
)

// stats are the order statistics of a set of durations.
type stats struct{ n, min, median, p95, max time.Duration }

// summarize returns min, median, p95 (nearest rank) and max.
func summarize(ds []time.Duration) (s stats, ok bool) {
	if len(ds) == 0 {
		return s, false
	}
	v := slices.Clone(ds)
	slices.Sort(v)
	n := len(v)
	s = stats{n: time.Duration(n), min: v[0], max: v[n-1], p95: v[int(math.Ceil(0.95*float64(n)))-1]}
	if n%2 == 1 {
		s.median = v[n/2]
	} else {
		s.median = (v[n/2-1] + v[n/2]) / 2
	}
	return s, true
}

func served(r profileRun) []time.Duration {
	var out []time.Duration
	for _, f := range r.Trials {
		out = append(out, f.Served)
	}
	return out
}

func moved(r profileRun) []time.Duration {
	var out []time.Duration
	for _, f := range r.Trials {
		out = append(out, f.Moved)
	}
	return out
}

// idleMax returns the largest RSS (MB) and CPU % among the daemons.
func idleMax(r profileRun) (rssMB, cpuPct float64) {
	for _, i := range r.Idle {
		rssMB = math.Max(rssMB, float64(i.RSSKB)/1024)
		cpuPct = math.Max(cpuPct, i.CPUPct)
	}
	return rssMB, cpuPct
}

func printTable(w io.Writer, runs []profileRun) {
	fmt.Fprintln(w, "failover: kill -9 of the node running web (3 nodes) -> the client's HTTP request answered by the new node")
	fmt.Fprintf(w, "%-11s %6s %8s %8s %8s %8s   %-22s %s\n", "profile", "trials", "min", "median", "p95", "max", "address moved (median)", "idle daemon (worst node)")
	for _, r := range runs {
		rss, cpu := idleMax(r)
		idle := fmt.Sprintf("%.1f MB RSS, %.2f%% CPU over %s", rss, cpu, r.IdleFor)
		s, ok := summarize(served(r))
		if !ok {
			fmt.Fprintf(w, "%-11s %6s %8s %8s %8s %8s   %-22s %s\n", r.label(), fmt.Sprintf("0/%d", r.Wanted), "-", "-", "-", "-", "-", idle)
			continue
		}
		m, _ := summarize(moved(r))
		fmt.Fprintf(w, "%-11s %6s %8s %8s %8s %8s   %-22s %s\n", r.label(), fmt.Sprintf("%d/%d", len(r.Trials), r.Wanted),
			ms(s.min), ms(s.median), ms(s.p95), ms(s.max), ms(m.median), idle)
	}
	for _, r := range runs {
		switch {
		case r.Profile == "fast" && !r.Docker && !r.KVM:
			fmt.Fprintln(w, verdicts(r))
		case r.Profile == "default" && len(r.Idle) > 0:
			_, cpu := idleMax(r)
			fmt.Fprintf(w, "targets (default profile): idle CPU %.2f%% < 0.3%% %s\n", cpu, met(cpu < 0.3))
		}
	}
	if line := dockerVerdict(runs); line != "" {
		fmt.Fprintln(w, line)
	}
	if line := kvmLine(runs); line != "" {
		fmt.Fprintln(w, line)
	}
	for _, r := range runs {
		fmt.Fprintf(w, "%s: the watcher saw the address on two nodes at once in %d samples\n", r.label(), r.Doubles)
		if r.ErrReason != "" {
			first, _, _ := strings.Cut(r.ErrReason, "\n")
			fmt.Fprintf(w, "%s: stopped after %d of %d trials: %s\n", r.label(), len(r.Trials), r.Wanted, first)
		}
	}
}

func met(ok bool) string {
	if ok {
		return "met"
	}
	return "NOT met"
}

// verdicts compares the fast profile's figures with issue 17's targets.
func verdicts(r profileRun) string {
	var parts []string
	if s, ok := summarize(served(r)); ok {
		parts = append(parts,
			fmt.Sprintf("median %s <= 1s %s", ms(s.median), met(s.median <= time.Second)),
			fmt.Sprintf("p95 %s <= 1.5s %s", ms(s.p95), met(s.p95 <= 1500*time.Millisecond)))
	}
	if len(r.Idle) > 0 {
		rss, cpu := idleMax(r)
		parts = append(parts,
			fmt.Sprintf("idle RSS %.1f MB < 30 MB %s", rss, met(rss < 30)),
			fmt.Sprintf("idle CPU %.2f%% < 1%% %s", cpu, met(cpu < 1)))
	}
	return "targets (fast profile): " + strings.Join(parts, "; ")
}

// kvmLine compares the virtual machine's median failover with the plain
// app's, in the same run: no target, the guest boots (emulated, TCG).
func kvmLine(runs []profileRun) string {
	var plain, kvm *stats
	for _, r := range runs {
		if r.Profile != "fast" || r.Docker {
			continue
		}
		if s, ok := summarize(served(r)); ok {
			if r.KVM {
				kvm = &s
			} else {
				plain = &s
			}
		}
	}
	if plain == nil || kvm == nil {
		return ""
	}
	d := kvm.median - plain.median
	return fmt.Sprintf("service in a kvm guest: median %s, %+.2fs against the plain app's %s (no target: the guest boots, emulated by TCG)", ms(kvm.median), d.Seconds(), ms(plain.median))
}

// dockerVerdict compares the containerized service's median failover with
// the plain one's, in the same run (target: at most 0.3 s more).
func dockerVerdict(runs []profileRun) string {
	var plain, docker *stats
	for _, r := range runs {
		if r.Profile != "fast" || r.KVM {
			continue
		}
		if s, ok := summarize(served(r)); ok {
			if r.Docker {
				docker = &s
			} else {
				plain = &s
			}
		}
	}
	if plain == nil || docker == nil {
		return ""
	}
	d := docker.median - plain.median
	return fmt.Sprintf("app in docker: median %s, %+.2fs against the plain app's %s (target: at most +0.3s) %s", ms(docker.median), d.Seconds(), ms(plain.median), met(d <= 300*time.Millisecond))
}

// writeDoc writes docs/bench-failover.md: the method, then the figures.
func writeDoc(path string, runs []profileRun) error {
	var b strings.Builder
	b.WriteString(docMethod)
	host, _ := os.Hostname()
	load, _ := os.ReadFile("/proc/loadavg")
	fmt.Fprintf(&b, "\n## Figures\n\n%s, on %s: %d CPUs, load average at the end %s, %s.\n\n```\n",
		time.Now().UTC().Format("2006-01-02 15:04 MST"), host, runtime.NumCPU(), strings.Join(strings.Fields(string(load))[:3], " "), runtime.Version())
	printTable(&b, runs)
	b.WriteString("```\n\nPer trial (seconds from the kill to the answer from the new node):\n\n")
	for _, r := range runs {
		var vals []string
		for _, f := range r.Trials {
			vals = append(vals, fmt.Sprintf("%.2f", f.Served.Seconds()))
		}
		fmt.Fprintf(&b, "- %s: %s\n", r.label(), strings.Join(vals, " "))
	}
	for _, r := range runs {
		if !r.KVM || len(r.Boots) == 0 {
			continue
		}
		var vals []string
		for _, d := range r.Boots {
			vals = append(vals, fmt.Sprintf("%.1f", d.Seconds()))
		}
		fmt.Fprintf(&b, "\nThe guest's boot on the new node, per trial (seconds from its start to its agent's answer, as the node's daemon logged it):\n\n- %s: %s\n", r.label(), strings.Join(vals, " "))
	}
	return os.WriteFile(path, []byte(b.String()), 0o644)
}

const docMethod = `# Failover bench

` + "`make bench-failover`" + ` (also run at the end of ` + "`make bench`" + `) measures how long the
example HA service of ` + "`make lab`" + ` (examples/lab: an address and a web app,
` + "`orchestrate = \"ha\"`" + `) takes to come back after the node running it dies,
and what an idle daemon costs. It needs root. The code is the lab's
(testfixtures/clusterlab, ` + "`lab bench`" + `), the same the cluster tests use.

## Method

- Every trial runs in a fresh lab of 3 nodes: each node a network
  namespace on a bridge, its own UTS namespace (host name), state directory
  and ` + "`om daemon run --profile P`" + `; the cluster formed with ` + "`om daemon join`" + `,
  the service deployed with omapply on node1, then the bench waits until it
  answers and every daemon agrees where it runs. Every failover thus starts
  from the same steady state, and trials are independent.
- Idle cost, in the first lab of each profile: each daemon's CPU time
  (utime+stime from /proc/PID/stat) over the idle window, as a percentage
  of one CPU, and its VmRSS (/proc/PID/status) at the end. The table gives
  the worst node.
- A trial: the node running the service dies at t0: its link is cut (the
  bridge side of its veth set down), every process in its network namespace
  is killed with -9, and its interface keeps only its own address, as a
  dead machine holds none. The client namespace on the bridge then asks
  http://198.18.10.100:8080/ every 20 ms, each request on its own (300 ms
  timeout: a request sent while the address moves waits for it, and does
  not hold back the next); the trial ends at the first answer naming
  another node. "address moved" is
  when a watcher sampling every node's addresses every 20 ms first saw the
  address on exactly one other node.
- The watcher also reports any sample with the address on two nodes at
  once (it fails the bench).
- fast/docker: the app runs in a docker container (examples/lab-docker),
  each node running a dockerd of its own in its namespace; the node's
  death kills its engine and its containers.
- fast/kvm: the service is a virtual machine (examples/lab-kvm,
  container.kvm), each node running a libvirtd of its own in its
  namespace, the guest's card on a bridge there plugged into the lab's
  switch. The guest holds the service address itself (set from its
  kernel command line) and serves the page with busybox httpd; it is
  emulated (TCG: KVM does not run on these machines) and boots to its
  agent in about 3 s. The node's death kills its libvirtd and the
  guest's qemu. A node holds the address for the watcher while its
  libvirtd runs the guest's qemu ("address moved": the new guest's qemu
  started, before it boots), and the answer from the new node is the
  first answer of the guest's page with its qemu on exactly one other
  node. The guest's boot is CPU work, about 3 s of a CPU under TCG: on a
  machine busy with other work (the bench runs at nice 19 beside it) a
  boot stretches, and the failover with it; the boot times after the
  figures say how long each new guest took.
- The figures are printed, never asserted: a loaded machine slows them.

## What a failover's time is made of

As a survivor's daemon log shows it, with the fast profile (timings in
cluster/timings.go, the argument in docs/cluster.md, "Partition"): the
quorum leases decide, not serf. The survivors' last grants to the dead
node came at most a beacon interval (100 ms) before the kill; once no
survivor had answered it for the takeover wait, 600 ms (lease 400 ms,
quorum grace 25 ms, 25 ms for the fence watch to wake, fence budget
150 ms), the beacons go at once for the peers' word and their answers run
the round that starts the service (member.gone). The start takes about
70 ms: the ip driver's conflict probe, 60 ms for a takeover from a node
whose leases ran out (300 ms otherwise), the address, one announcement
(the second follows in the background), then the app, which answers at
once. serf declares the member failed about 2 s after the kill, long
after. The default profile's takeover wait is 8.31 s (lease 5 s, quorum
grace 1 s, fence budget 2 s).

The virtual machine (fast/kvm) starts on a survivor after the same
takeover wait: its qemu runs there 0.6 to 0.7 s after the kill ("address
moved"; the survivor's libvirtd defines the domain and starts it in a few
ms, having probed qemu's capabilities when it started). The rest is the
guest's boot, emulated by TCG: its kernel, then its init, which sets the
address from its command line and starts busybox httpd before qemu-ga
(container.kvm's start waits for the agent: 3 s on an idle machine, more
on a busy one; the page may answer a little before). The guest has the
same MAC address on every node, so the client's neighbor entry stays
right, and the switch forgets the dead node's port when its link goes
down: the new guest's first answers reach the client at once.
`
