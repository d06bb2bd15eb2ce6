package encap

import "encoding/json"

// orchestrated reads, in an agent's status, whether a daemon runs in the
// container and places the level there (seed 002's farmed topologies):
// the node's plan then leaves that level to the daemons inside
// (plan.EncapStatus.Orchestrated). Agents of older builds do not say: the
// node drives their level as before.
func orchestrated(status []byte) bool {
	var s struct {
		Orchestrated bool `json:"orchestrated"`
	}
	return json.Unmarshal(status, &s) == nil && s.Orchestrated
}
