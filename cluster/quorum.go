package cluster

// Votes counts a node's side of the cluster: the nodes it sees alive (itself
// included) and the arbitrators it reaches, out of every node and
// arbitrator configured.
type Votes struct {
	Alive, Nodes, Reached, Arbitrators int
}

func (v Votes) total() int { return v.Nodes + v.Arbitrators }
func (v Votes) mine() int  { return v.Alive + v.Reached }

// Quorum says whether this side holds a strict majority: only then may it
// start what a lost node ran.
func (v Votes) Quorum() bool {
	if v.total() <= 1 {
		return true // a cluster of one is always whole
	}
	return 2*v.mine() > v.total()
}

// MustFence says whether this side must stop its services: it has no
// majority and the side it lost could have one, and would take them over.
// A two-node cluster without an arbitrator has no majority on either side
// of a split, so neither side fences nor takes over: the running copy
// keeps running and an operator decides (om SVC takeover).
func (v Votes) MustFence() bool {
	return !v.Quorum() && 2*(v.total()-v.mine()) > v.total()
}
