package clusterlab

import (
	"fmt"
	"strings"
)

// Cut sets node's veth down on the bridge side: the node lives on,
// alone. Heal undoes it.
func (r *Rig) Cut(node string) error { return r.setPort(node, "down") }

// Heal sets node's veth up on the bridge side again.
func (r *Rig) Heal(node string) error { return r.setPort(node, "up") }

// setPort sets node's ports on the switch: its own, and its guest
// bridge's uplink in a lab with VMs (a cut node's guests are cut with it).
func (r *Rig) setPort(node, state string) error {
	n, err := r.Node(node)
	if err != nil {
		return err
	}
	for _, port := range []string{n.Port, n.VMPort} {
		if port == "" {
			continue
		}
		if _, err := runCmd("ip", "-n", r.Switch, "link", "set", port, state); err != nil {
			return fmt.Errorf("%s: link %s: %v", node, state, err)
		}
	}
	r.log("%s: link %s", node, state)
	return nil
}

// Kill is the node's sudden death: its link cut first (nothing answers
// any more), every process in its network namespace killed with -9, then
// its interface back to the state a reboot gives (only its own address),
// as a dead machine holds no address. Its engine's containers and its
// libvirtd's guests (their qemu runs in the node's namespace) die with
// it. Bring it back with Heal and StartDaemon. Mounts a service made are
// left: the lab's services have none.
func (r *Rig) Kill(node string) error {
	n, err := r.Node(node)
	if err != nil {
		return err
	}
	if err := r.Cut(node); err != nil {
		return err
	}
	if err := killNS(n.NS); err != nil {
		return fmt.Errorf("%s: %v", node, err)
	}
	if err := r.killContainers(n); err != nil {
		return err
	}
	if err := resetAddrs(n); err != nil {
		return fmt.Errorf("%s: %v", node, err)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	n.Daemon, n.Killed = Proc{}, true
	r.log("%s: killed (link cut, every process killed, addresses reset)", node)
	return r.save()
}

// resetAddrs removes every global address of the node's eth0 but its own.
func resetAddrs(n *Node) error {
	out, err := runCmd("ip", "-n", n.NS, "-o", "addr", "show", "dev", NodeDev, "scope", "global")
	if err != nil {
		return err
	}
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		if len(f) < 4 || f[3] == n.Addr+"/24" {
			continue
		}
		if _, err := runCmd("ip", "-n", n.NS, "addr", "del", f[3], "dev", NodeDev); err != nil {
			return err
		}
	}
	return nil
}

// LinkUp tells whether node's link is up on the bridge side (not cut).
func (r *Rig) LinkUp(node string) (bool, error) {
	n, err := r.Node(node)
	if err != nil {
		return false, err
	}
	out, err := runCmd("ip", "-n", r.Switch, "-o", "link", "show", n.Port)
	if err != nil {
		return false, err
	}
	// "3: v-node1@if2: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu ..."
	start, end := strings.IndexByte(out, '<'), strings.IndexByte(out, '>')
	if start < 0 || end < start {
		return false, fmt.Errorf("%s: unexpected ip link output %q", node, out)
	}
	for _, flag := range strings.Split(out[start+1:end], ",") {
		if flag == "UP" {
			return true, nil
		}
	}
	return false, nil
}

// Block cuts the traffic between nodes a and b only, with a blackhole
// route to the other on each side, while every other node still reaches
// both: a partial partition. Unblock removes the routes.
func (r *Rig) Block(a, b string) error { return r.blockRoutes(a, b, "add") }

// Unblock undoes Block.
func (r *Rig) Unblock(a, b string) error { return r.blockRoutes(a, b, "del") }

func (r *Rig) blockRoutes(a, b, verb string) error {
	na, err := r.Node(a)
	if err != nil {
		return err
	}
	nb, err := r.Node(b)
	if err != nil {
		return err
	}
	for _, p := range [][2]*Node{{na, nb}, {nb, na}} {
		if _, err := runCmd("ip", "-n", p[0].NS, "route", verb, "blackhole", p[1].Addr+"/32"); err != nil {
			return fmt.Errorf("%s: route %s blackhole %s: %v", p[0].Name, verb, p[1].Addr, err)
		}
	}
	what := "blocked"
	if verb == "del" {
		what = "unblocked"
	}
	r.log("%s and %s: traffic between them %s", a, b, what)
	return nil
}
