package main

import (
	"context"
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

func opKill(r *clusterlab.Rig, node string) error          { return r.Kill(node) }
func opCut(r *clusterlab.Rig, node string) error           { return r.Cut(node) }
func opHeal(r *clusterlab.Rig, node string) error          { return r.Heal(node) }
func opDaemonKill(r *clusterlab.Rig, node string) error    { return r.KillDaemon(node) }
func opDaemonStart(r *clusterlab.Rig, node string) error   { return r.StartDaemon(node) }
func opLibvirtdKill(r *clusterlab.Rig, node string) error  { return r.KillLibvirtd(node) }
func opLibvirtdStart(r *clusterlab.Rig, node string) error { return r.RestartLibvirtd(node) }
func opBoot(r *clusterlab.Rig, node string) error          { return r.Revive(node, waitLong) }

// nodeOp makes a subcommand of an operation on one node.
func nodeOp(op func(r *clusterlab.Rig, node string) error) func(g *globals, args []string) error {
	return func(g *globals, args []string) error {
		if len(args) != 1 {
			return errors.New("name one node: node1, node2, ...")
		}
		r, err := open(g)
		if err != nil {
			return err
		}
		return op(r, args[0])
	}
}

// printResult shows a command's output and passes its exit code on.
func printResult(res clusterlab.Result, err error) error {
	if err != nil {
		return err
	}
	fmt.Print(res.Stdout)
	fmt.Fprint(os.Stderr, res.Stderr)
	if res.Code != 0 {
		return exitCode(res.Code)
	}
	return nil
}

func cmdRun(g *globals, args []string) error {
	if len(args) < 2 {
		return errors.New("usage: run NODE CMD...")
	}
	r, err := open(g)
	if err != nil {
		return err
	}
	return printResult(r.Run(args[0], args[1:]...))
}

func cmdClient(g *globals, args []string) error {
	if len(args) < 1 {
		return errors.New("usage: client CMD...")
	}
	r, err := open(g)
	if err != nil {
		return err
	}
	return printResult(r.RunClient(args...))
}

func cmdMon(g *globals, args []string) error {
	r, err := open(g)
	if err != nil {
		return err
	}
	node := ""
	if len(args) > 0 {
		node = args[0]
	}
	for _, n := range r.Nodes {
		if node == "" && r.DaemonPID(n.Name) != 0 {
			node = n.Name
		}
	}
	if node == "" {
		return errors.New("no daemon runs in the lab")
	}
	fmt.Printf("(om mon on %s)\n", node)
	return printResult(r.Run(node, "om", "mon"))
}

func cmdGet(g *globals, args []string) error {
	r, err := open(g)
	if err != nil {
		return err
	}
	body, err := r.Get(clusterlab.ServiceURL, 2*time.Second)
	if err != nil {
		return err
	}
	fmt.Print(body)
	return nil
}

func cmdWatch(g *globals, args []string) error {
	fs := flag.NewFlagSet("watch", flag.ExitOnError)
	d := fs.Duration("for", time.Minute, "how long to watch")
	_ = fs.Parse(args)
	r, err := open(g)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ctx, cancel := context.WithTimeout(ctx, *d)
	defer cancel()
	w := r.Watch(clusterlab.ServiceIP)
	defer w.Stop()
	shown := 0
	for ctx.Err() == nil {
		tl := w.Timeline()
		for ; shown < len(tl); shown++ {
			fmt.Println(tl[shown])
		}
		time.Sleep(clusterlab.WatchInterval)
	}
	w.Stop()
	fmt.Print(w.Report())
	return nil
}

func cmdStatus(g *globals, args []string) error {
	r, err := open(g)
	if err != nil {
		return err
	}
	fmt.Printf("lab %s in %s, profile %s\n", r.Prefix, r.Root, r.Profile)
	for _, n := range r.Nodes {
		fmt.Printf("  %-6s %-15s %-12s %-9s %s\n", n.Name, n.Addr, daemonState(r, n), linkState(r, n.Name), addrList(r, n.Name))
	}
	holders, err := r.Holders(clusterlab.ServiceIP)
	if err != nil {
		return err
	}
	fmt.Printf("service address %s on: %s\n", clusterlab.ServiceAddr, orNone(holders))
	if r.VMs {
		fmt.Printf("guest %s (its qemu) on: %s\n", clusterlab.GuestDomain, orNone(r.GuestNodes()))
	}
	if body, err := r.Get(clusterlab.ServiceURL, time.Second); err != nil {
		fmt.Printf("client: %s does not answer: %v\n", clusterlab.ServiceURL, err)
	} else {
		fmt.Printf("client: %s", body)
	}
	return nil
}

func daemonState(r *clusterlab.Rig, n *clusterlab.Node) string {
	if pid := r.DaemonPID(n.Name); pid != 0 {
		return fmt.Sprintf("daemon %d", pid)
	}
	if n.Killed {
		return "killed"
	}
	return "no daemon"
}

func linkState(r *clusterlab.Rig, node string) string {
	up, err := r.LinkUp(node)
	switch {
	case err != nil:
		return "link ?"
	case up:
		return "link up"
	}
	return "link CUT"
}

func addrList(r *clusterlab.Rig, node string) string {
	addrs, err := r.Addrs(node)
	if err != nil {
		return err.Error()
	}
	var s []string
	for _, a := range addrs {
		s = append(s, a.String())
	}
	return strings.Join(s, " ")
}

func orNone(list []string) string {
	if len(list) == 0 {
		return "no node"
	}
	return strings.Join(list, ", ")
}

func cmdFailover(g *globals, args []string) error {
	r, err := open(g)
	if err != nil {
		return err
	}
	w := r.Watch(clusterlab.ServiceIP)
	defer w.Stop()
	if _, err := w.WaitHolder(5 * time.Second); err != nil {
		return err
	}
	before := bootCounts(r)
	f, err := r.MeasureFailover(w, clusterlab.ServiceURL, waitLong)
	if err != nil {
		return err
	}
	fmt.Printf("killed %s: address on %s after %s, web answering from %s after %s\n",
		f.From, f.To, f.Moved.Round(time.Millisecond), f.To, f.Served.Round(time.Millisecond))
	if r.VMs {
		fmt.Printf("the guest's qemu started on %s after %s; it booted in %s (from its start to its agent's answer)\n",
			f.To, f.Moved.Round(time.Millisecond), guestBoot(r, f.To, before[f.To]))
	}
	fmt.Printf("bring it back: scripts/lab.sh boot %s\n", f.From)
	return nil
}
