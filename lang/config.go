package lang

import "sort"

// AllNodes returns the union of nodes, drpnodes and encapnodes of every
// service, evaluated without node scope (on blocks for a node are ignored).
func (c *Config) AllNodes() []string {
	seen := map[string]bool{}
	for _, s := range c.Services {
		set, _, _ := s.evalSettings("")
		for _, list := range [][]string{set.Nodes, set.DrpNodes, set.EncapNodes} {
			for _, n := range list {
				seen[n] = true
			}
		}
	}
	out := make([]string, 0, len(seen))
	for n := range seen {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}
