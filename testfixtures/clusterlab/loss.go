package clusterlab

import (
	"fmt"
	"strconv"
	"strings"
)

// LossDir says which frames of a node's link Loss drops.
type LossDir string

const (
	LossBoth    LossDir = "both"    // to and from the node
	LossEgress  LossDir = "egress"  // from the node only (it hears, it is not heard well)
	LossIngress LossDir = "ingress" // to the node only
)

// ParseLossDir reads a LossDir from its name.
func ParseLossDir(s string) (LossDir, error) {
	switch d := LossDir(s); d {
	case LossBoth, LossEgress, LossIngress:
		return d, nil
	}
	return "", fmt.Errorf("loss direction %q: want both, egress or ingress", s)
}

// Loss drops pct % of node's frames at random on the bridge, in the
// directions dir says, ARP included: a lossy link, as this kernel has no
// netem (nftables on the switch namespace, see ../shared/NOTES.md).
// NoLoss removes it.
func (r *Rig) Loss(node string, pct int, dir LossDir) error {
	n, err := r.Node(node)
	if err != nil {
		return err
	}
	if pct < 0 || pct > 100 {
		return fmt.Errorf("loss %d %%: want 0 to 100", pct)
	}
	if err := r.NoLoss(node); err != nil {
		return err
	}
	table := lossTable(n)
	nft := []string{"ip", "netns", "exec", r.Switch, "nft"}
	cmds := [][]string{
		append(nft, "add", "table", "bridge", table),
		append(nft, "add chain bridge "+table+" fw { type filter hook forward priority 0 ; policy accept ; }"),
	}
	drop := func(match, port string) []string {
		return append(nft, "add", "rule", "bridge", table, "fw", match, port, "numgen", "random", "mod", "100", "lt", strconv.Itoa(pct), "drop")
	}
	// a node of a lab with VMs has a second port, its guests' uplink
	for _, port := range []string{n.Port, n.VMPort} {
		if port == "" {
			continue
		}
		if dir == LossBoth || dir == LossEgress {
			cmds = append(cmds, drop("iifname", port))
		}
		if dir == LossBoth || dir == LossIngress {
			cmds = append(cmds, drop("oifname", port))
		}
	}
	if err := runAll(cmds...); err != nil {
		return fmt.Errorf("%s: loss: %v", node, err)
	}
	r.log("%s: %d %% of its frames dropped (%s)", node, pct, dir)
	return nil
}

// NoLoss removes node's loss rules, if any.
func (r *Rig) NoLoss(node string) error {
	n, err := r.Node(node)
	if err != nil {
		return err
	}
	out, err := runCmd("ip", "netns", "exec", r.Switch, "nft", "list", "tables", "bridge")
	if err != nil {
		return fmt.Errorf("%s: nft: %v (is nftables installed?)", node, err)
	}
	if !containsLine(out, "table bridge "+lossTable(n)) {
		return nil
	}
	if _, err := runCmd("ip", "netns", "exec", r.Switch, "nft", "delete", "table", "bridge", lossTable(n)); err != nil {
		return err
	}
	r.log("%s: loss removed", node)
	return nil
}

func lossTable(n *Node) string { return "loss_" + n.Name }

func containsLine(out, line string) bool {
	for _, l := range strings.Split(out, "\n") {
		if strings.TrimSpace(l) == line {
			return true
		}
	}
	return false
}
