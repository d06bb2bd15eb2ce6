package wire

// The requests of the local API (HTTP over the daemon's unix socket, or
// on TCP with TLS and a bearer token): what om, omplan and omapply ask
// through Client. An error comes back as {"error": "..."} with a status
// other than 200.

// ActionRequest asks the orchestrator to act on a service
// (POST /v1/services/{svc}/action). The answer is the service's new
// ServiceState.
type ActionRequest struct {
	Action string `json:"action"` // start stop freeze thaw switch takeover giveback
	To     string `json:"to,omitempty"`
	From   string `json:"from,omitempty"` // the node the command ran on (takeover)
	// Force: a takeover on a node whose lost side may hold a majority; the
	// operator vouches those nodes are down (the daemon's vouch.go).
	Force bool `json:"force,omitempty"`
}

// ConfigPush hands service sources to the cluster (POST /v1/config). The
// answer is the version each got, by service.
type ConfigPush struct {
	Services map[string]string `json:"services"` // name -> HCL source of the service block
}

// JoinRequest makes the daemon adopt a cluster secret and join a member
// (POST /v1/join). The answer is {"steps": [...]}: what it did.
type JoinRequest struct {
	Secret string   `json:"secret"`
	Addrs  []string `json:"addrs"`
}

// DrainRequest drains (or undrains) the daemon's node (POST /v1/drain).
// The answer is the request.
type DrainRequest struct {
	Drain bool `json:"drain"`
}
