package wire

import (
	"context"
	"net/http"
)

// A node's maintenance (om node drain, undrain, freeze, thaw): the state
// of the daemon's own node, asked and changed on the local API.

// NodeRequest changes the maintenance state of the daemon's node
// (POST /v1/node). A nil field leaves that part as it is. The answer is
// the NodeState after the change.
type NodeRequest struct {
	// Drain: move every service off the node and start none there (true),
	// or take part in placement again (false).
	Drain *bool `json:"drain,omitempty"`
	// UntilRestart: the drain ends when the daemon restarts (the systemd
	// unit's stop drains so); otherwise it is kept in the state directory
	// and outlives restarts and reboots until om node undrain.
	UntilRestart bool `json:"until_restart,omitempty"`
	// Freeze: the node decides nothing on its own for any service (true),
	// or orchestrates again (false). Kept in the state directory.
	Freeze *bool `json:"freeze,omitempty"`
}

// NodeState is the maintenance state of the daemon's node (GET /v1/node).
type NodeState struct {
	Node string `json:"node"`
	// Frozen: no automatic action on this node (om node freeze).
	Frozen bool `json:"frozen"`
	// Draining: the node moves its services off and starts none.
	Draining bool `json:"draining"`
	// Drained: draining, and nothing runs here any more.
	Drained bool `json:"drained"`
	// Kept: the drain is kept in the state directory (it outlives a
	// restart); false for a drain until the daemon restarts.
	Kept bool `json:"kept,omitempty"`
	// Running are the services that run here (or are being acted on),
	// each with why it is still here while the node drains.
	Running []NodeService `json:"running,omitempty"`
}

// NodeService is a service that runs on the node.
type NodeService struct {
	Service string `json:"service"`
	// Busy is the action running now, "" when idle.
	Busy string `json:"busy,omitempty"`
	// Why it stays, while the node drains: "" when it is on its way off.
	Why string `json:"why,omitempty"`
}

// Maintenance says the node's state in a word: "frozen", "draining",
// "drained" ("draining*", "drained*" when frozen too, as om mon marks a
// frozen service), "" when in none.
func (s NodeState) Maintenance() string {
	return MaintenanceWord(s.Frozen, s.Draining, s.Drained)
}

// MaintenanceWord says a maintenance state in a word, as om mon shows it.
func MaintenanceWord(frozen, draining, drained bool) string {
	word := ""
	switch {
	case drained:
		word = "drained"
	case draining:
		word = "draining"
	}
	switch {
	case frozen && word != "":
		word += "*"
	case frozen:
		word = "frozen"
	}
	return word
}

// Node returns the maintenance state of the daemon's node.
func (c *Client) Node(ctx context.Context) (*NodeState, error) {
	var s NodeState
	return &s, c.do(ctx, http.MethodGet, "/v1/node", nil, &s)
}

// SetNode changes the maintenance state of the daemon's node.
func (c *Client) SetNode(ctx context.Context, req NodeRequest) (*NodeState, error) {
	var s NodeState
	return &s, c.do(ctx, http.MethodPost, "/v1/node", req, &s)
}
