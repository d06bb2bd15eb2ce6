package plan

import (
	"github.com/omhcl/omhcl/providers"
)

// LiveFormatVersion versions the live state document (om status --json),
// which doubles as the snapshot a CI runner plans against.
const LiveFormatVersion = "1.0"

// Live is the state of a node's services as the drivers and the node's
// records show it.
type Live struct {
	FormatVersion string          `json:"format_version"`
	Node          string          `json:"node"`
	Services      []*LiveInstance `json:"services"`
}

// Service returns the live instance of svc, or nil.
func (l *Live) Service(svc string) *LiveInstance {
	if l == nil {
		return nil
	}
	for _, s := range l.Services {
		if s != nil && s.Service == svc {
			return s
		}
	}
	return nil
}

// LiveInstance is one service on one node.
type LiveInstance struct {
	Service string          `json:"service"`
	Node    string          `json:"node"`
	Status  providers.State `json:"status"`
	// Role is how the node takes part: "primary", "secondary", "drp",
	// "encap" or "" when the node is not in the service's node sets.
	Role        string          `json:"role"`
	Provisioned bool            `json:"provisioned"`
	Frozen      bool            `json:"frozen"`
	Generation  int64           `json:"generation"`
	Resources   []*LiveResource `json:"resources"`
	// Strays are what the drivers' backends hold with this service's
	// label but no resource of it has (providers.StrayFinder).
	Strays []string `json:"strays,omitempty"`
	// ConfigSync is the seed's sync#i0 line: how far the daemon's
	// distribution of the service's configuration reached, as om status
	// asks the daemon (never planned: it is no resource of the service).
	ConfigSync *LiveResource `json:"config_sync,omitempty"`
}

// Resource returns the live resource rid, or nil.
func (li *LiveInstance) Resource(rid string) *LiveResource {
	if li == nil {
		return nil
	}
	for _, r := range li.Resources {
		if r != nil && r.RID == rid {
			return r
		}
	}
	return nil
}

// Armed reports whether lr, a resource its start only arms (a sync), is
// armed: started here with the service, and the service still running
// here: some other resource it runs (not standby) is up. A node killed
// while running the service keeps the record of its start, but not its
// address or its app. A service with nothing else to run (only standby
// resources beside its syncs) runs where its syncs were started.
func (li *LiveInstance) Armed(lr *LiveResource) bool {
	if lr == nil || !lr.Arms || lr.Applied == nil {
		return false
	}
	others := false
	for _, r := range li.Resources {
		if r.Arms || r.Standby || r.Skipped != "" || r.Orphan {
			continue
		}
		if r.Status == providers.Up || r.Status == providers.Warn || ((r.Status == providers.NA || r.Status == providers.Undef) && r.Applied != nil) {
			return true
		}
		others = true
	}
	return !others
}

// LiveResource is one resource on one node.
type LiveResource struct {
	RID         string          `json:"rid"`
	Kind        string          `json:"kind"`
	Type        string          `json:"type"`
	Status      providers.State `json:"status"`
	Messages    []string        `json:"messages,omitempty"`
	Description string          `json:"description"`
	Flags       string          `json:"flags"`
	Provisioned bool            `json:"provisioned"`
	// Exists says what provision creates is already on the node (a volume
	// group made by hand, not yet recorded as provisioned): provision will
	// only record it. Drivers that cannot tell leave it false.
	Exists bool `json:"exists,omitempty"`
	// Drift lists the attributes the running resource was not made with
	// (a container created from another image), as its driver sees them:
	// the plan replaces it. Drivers that cannot tell leave it empty.
	Drift []string `json:"drift,omitempty"`
	// Remnant is what an interrupted stop left of the down resource (a
	// container not removed), which its stop removes (providers.
	// RemnantChecker); empty when nothing is.
	Remnant string `json:"remnant,omitempty"`
	// Provisionable is false for resources with nothing to provision.
	Provisionable bool `json:"provisionable"`
	// Arms: starting the resource only arms it (a sync); see
	// providers.Spec.Arms.
	Arms     bool `json:"arms,omitempty"`
	Disable  bool `json:"disable"`
	Optional bool `json:"optional"`
	Monitor  bool `json:"monitor"`
	Encap    bool `json:"encap"`
	Standby  bool `json:"standby"`
	Restart  int  `json:"restart"`
	// Skipped says why the engine leaves this resource alone on this node
	// (disabled, encap, no driver); empty when it manages it.
	Skipped string `json:"skipped,omitempty"`
	// Orphan marks a resource the node still runs but the configuration no
	// longer has.
	Orphan  bool    `json:"orphan,omitempty"`
	Exposed Values  `json:"exposed,omitempty"`
	Applied *Values `json:"applied,omitempty"`
	// Inside is the level of an encapsulated service inside this running
	// container, as its agent reports it.
	Inside *EncapStatus `json:"inside,omitempty"`
}

// Flags renders the 8 status flag columns of the seed's status tree:
// M monitored, D disabled, O optional, E encap, P not provisioned ("/"
// when there is nothing to provision), S standby, then the restart count.
// The first column (R, an action running) is reserved for the daemon.
func (r *LiveResource) flags() string {
	b := []byte("........")
	set := func(i int, on bool, c byte) {
		if on {
			b[i] = c
		}
	}
	set(1, r.Monitor, 'M')
	set(2, r.Disable, 'D')
	set(3, r.Optional, 'O')
	set(4, r.Encap, 'E')
	switch {
	case !r.Provisionable:
		b[5] = '/'
	case !r.Provisioned:
		b[5] = 'P'
	}
	set(6, r.Standby, 'S')
	if r.Restart > 0 {
		b[7] = "0123456789+"[min(r.Restart, 10)]
	}
	return string(b)
}
