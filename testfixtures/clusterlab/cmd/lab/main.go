// Command lab runs the cluster lab of `make lab` (scripts/lab.sh) and the
// failover bench, with the same code as the cluster tests
// (testfixtures/clusterlab).
//
//	lab up [-n 3] [-profile fast] [-docker|-kvm] [-bare] [-prefix omlab]   start the lab, form the cluster, deploy examples/lab (-docker: examples/lab-docker; -kvm: examples/lab-kvm; -bare: nothing)
//	lab status | mon [NODE] | watch [-for D] | get | failover
//	lab kill|cut|heal|boot|daemon-kill|daemon-start NODE
//	lab deploy FILE [NODE]
//	lab run NODE CMD... | client CMD...
//	lab down
//	lab bench [-trials 20] [-default-trials 5] [-docker-trials 0] [-kvm-trials 0]
//	lab loss NODE PCT [both|egress|ingress] | noloss NODE
//	lab bench-loss [-for 60s] [-pcts 10,30,50] [-dirs both,egress]
//	lab heal-trial [-cycles 50] [-cut 1s] [-heal 1s] [-quiet 60s]
//	lab starve-trial [-trials 10] [-hogs 2xCPUs] [-cut 3s]
//
// The lab lives in -root (default /var/tmp/omlab, or $OMLAB_ROOT).
package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"sort"
	"strings"
)

// command is one subcommand: run gets the arguments after its name.
type command struct {
	usage string
	run   func(g *globals, args []string) error
}

// globals are the flags before the subcommand.
type globals struct {
	root string
	bin  string
}

var commands = map[string]command{
	"up":             {"up [-n 3] [-profile fast|default] [-docker|-kvm] [-bare] [-prefix omlab]: start the lab and deploy the example service (-docker: its app in a container, an engine per node; -kvm: in a virtual machine, a libvirtd per node; -bare: no service)", cmdUp},
	"deploy":         {"deploy FILE [NODE]: deploy one more service (e.g. examples/lab-flex/pool.hcl) through NODE", cmdDeploy},
	"down":           {"down: stop everything and remove the lab", cmdDown},
	"status":         {"status: nodes, daemons, links, where the service address is, and the client's view", cmdStatus},
	"mon":            {"mon [NODE]: om mon as NODE (default: the first node whose daemon runs)", cmdMon},
	"watch":          {"watch [-for 60s]: print where the service address is, at every change", cmdWatch},
	"get":            {"get: fetch the service's web page from the client namespace", cmdGet},
	"failover":       {"failover: kill the node running the service and time the failover", cmdFailover},
	"kill":           {"kill NODE: the node dies (link cut, every process killed -9, addresses reset)", nodeOp(opKill)},
	"cut":            {"cut NODE: cut the node's link (it lives on, alone)", nodeOp(opCut)},
	"heal":           {"heal NODE: restore the node's link", nodeOp(opHeal)},
	"boot":           {"boot NODE: bring a killed node back (link up, daemon started)", nodeOp(opBoot)},
	"daemon-kill":    {"daemon-kill NODE: kill -9 the node's daemon only", nodeOp(opDaemonKill)},
	"daemon-start":   {"daemon-start NODE: start the node's daemon", nodeOp(opDaemonStart)},
	"libvirtd-kill":  {"libvirtd-kill NODE: kill -9 the node's libvirtd only (-kvm labs): its guests run on", nodeOp(opLibvirtdKill)},
	"libvirtd-start": {"libvirtd-start NODE: start the node's libvirtd again after libvirtd-kill", nodeOp(opLibvirtdStart)},
	"run":            {"run NODE CMD...: run a command as NODE (om, omapply, omplan are the lab's)", cmdRun},
	"client":         {"client CMD...: run a command in the client namespace (demoweb get URL)", cmdClient},
	"loss":           {"loss NODE PCT [both|egress|ingress]: drop PCT % of the node's frames on the bridge (nftables)", cmdLoss},
	"noloss":         {"noloss NODE: remove the node's loss", nodeOp(opNoLoss)},
	"bench-loss":     {"bench-loss [-for 60s] [-pcts 10,30,50] [-dirs both,egress] [-docker]: the service under a lossy link, in labs of its own", cmdBenchLoss},
	"starve-trial":   {"starve-trial [-trials 10] [-hogs 2xCPUs] [-cut 3s]: cut the node serving web while CPU hogs starve every daemon, in a lab of its own; it must drop the address before a survivor plumbs it", cmdStarveTrial},
	"heal-trial":     {"heal-trial [-cycles 50] [-cut 1s] [-heal 1s] [-quiet 60s] [-docker]: cut and heal the node serving web over and over, in a lab of its own; it must settle on one node, never two", cmdHealTrial},
	"bench":          {"bench [-trials 20] [-default-trials 5] [-docker-trials 0] [-kvm-trials 0] [-doc FILE]: failover and idle figures, in labs of its own", cmdBench},
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: lab [-root DIR] [-bin DIR] COMMAND [ARGS]")
	var names []string
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintln(os.Stderr, "  "+commands[n].usage)
	}
}

func main() {
	g := &globals{}
	fs := flag.NewFlagSet("lab", flag.ExitOnError)
	fs.Usage = usage
	fs.StringVar(&g.root, "root", envOr("OMLAB_ROOT", "/var/tmp/omlab"), "the lab's directory")
	fs.StringVar(&g.bin, "bin", "bin", "directory of the built om, omapply, omplan and demoweb")
	_ = fs.Parse(os.Args[1:])
	if fs.NArg() == 0 {
		usage()
		os.Exit(2)
	}
	name, args := fs.Arg(0), fs.Args()[1:]
	cmd, ok := commands[name]
	if !ok {
		fmt.Fprintf(os.Stderr, "lab: unknown command %q\n", name)
		usage()
		os.Exit(2)
	}
	if err := cmd.run(g, args); err != nil {
		var exit exitCode
		if errors.As(err, &exit) {
			os.Exit(int(exit))
		}
		fmt.Fprintln(os.Stderr, "lab:", strings.TrimSpace(err.Error()))
		os.Exit(1)
	}
}

// exitCode makes main exit with a command's own exit code, silently.
type exitCode int

func (e exitCode) Error() string { return fmt.Sprintf("exit %d", int(e)) }

func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}
