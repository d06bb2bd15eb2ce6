package encap

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strconv"

	"github.com/omhcl/omhcl/state"
)

// Configuration replication, newest wins (seed 002): every agent call
// carries the generation and hash of the node's configuration of the
// service. An agent with none, or an older one, answers exitNoConfig and
// the node pushes its own. An agent with a newer one (edited inside the
// container) keeps and uses it, and reports it: the node pulls it and
// hands it to the cluster (Pulled). The same generation with another text
// is a conflict: reported, never resolved by overwriting either side.
// Generations are compared, never modification times.

// Exit codes of the agent protocol about configurations.
const (
	// exitNoConfig: the agent has no configuration of the service, or an
	// older one than the node's.
	exitNoConfig = 4
	// ExitConfigConflict: the agent's configuration has the node's
	// generation but another text.
	ExitConfigConflict = 5
)

// ConfigDir is where agents keep the configurations the node pushes: the
// stored-configuration directory om reads when /etc/omhcl has no file.
var ConfigDir = state.Open(state.DefaultRoot).ConfigDir()

// Report is what `om agent status` prints: the level inside, and the
// version of the configuration the agent holds.
type Report struct {
	Live   json.RawMessage     `json:"live"`
	Config state.ConfigVersion `json:"config"`
	Origin string              `json:"origin"`
	// Orchestrated: a daemon runs in the container and places the level
	// (seed 002's farmed topologies).
	Orchestrated bool `json:"orchestrated,omitempty"`
}

// ConfigCheck is the agent's side: whether its kept entry lets it act for
// a node holding version node (zero Gen: the node did not say).
func ConfigCheck(mine *state.ConfigEntry, node state.ConfigVersion) (code int, msg string) {
	svc := ""
	if mine != nil {
		svc = mine.Service
	}
	switch {
	case mine == nil:
		return exitNoConfig, "no configuration of the service here"
	case node.Gen == 0:
		return 0, ""
	case mine.Gen < node.Gen:
		return exitNoConfig, fmt.Sprintf("configuration generation %d here, the node has %d", mine.Gen, node.Gen)
	case mine.Gen == node.Gen && mine.Hash != node.Hash:
		return ExitConfigConflict, conflict(svc, mine.Gen, node.Hash, mine.Hash, "here")
	}
	return 0, ""
}

func conflict(svc string, gen int64, nodeHash, insideHash, inside string) string {
	return fmt.Sprintf("configuration conflict: generation %d is %s on the node and %s %s; edit it on one side (om %s edit config) to make a newer generation", gen, nodeHash, insideHash, inside, svc)
}

// configArgs tell the agent which configuration the node has.
func (a *Agents) configArgs(svc string) []string {
	e := a.nodeConfig(svc)
	if e == nil {
		return nil
	}
	return []string{"--config-gen", strconv.FormatInt(e.Gen, 10), "--config-hash", e.Hash}
}

func (a *Agents) nodeConfig(svc string) *state.ConfigEntry {
	if a.Config == nil {
		return nil
	}
	return a.Config(svc)
}

// pushConfig copies the node's configuration of the service into the
// container, as a kept entry.
func (a *Agents) pushConfig(ctx context.Context, c call) error {
	e := a.nodeConfig(c.h.Service)
	if e == nil {
		return fmt.Errorf("%s (%s): the agent has no configuration of %s and the node has none to push", c.h.Container, c.h.Node, c.h.Service)
	}
	b, err := json.MarshalIndent(e, "", "  ")
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp("", "omhcl-encap-*.json")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	tmp.Write(b)
	tmp.Close()
	dst := ConfigDir + "/" + c.h.Service + ".json"
	if err := c.x.CopyIn(ctx, tmp.Name(), dst, 0o600); err != nil {
		return fmt.Errorf("%s (%s): push the configuration to %s: %w", c.h.Container, c.h.Node, dst, err)
	}
	return nil
}

// Refusal is Pulled's error for a configuration the node does not take
// (it changes the node's level, jumps generations, does not load): the
// node pushes its own back into the container, and the status says why.
type Refusal struct{ Err error }

func (r *Refusal) Error() string { return r.Err.Error() }
func (r *Refusal) Unwrap() error { return r.Err }

// reconciled is what a status learnt of the agent's configuration.
type reconciled struct {
	note    string             // a newer one pulled, or left there
	newer   *state.ConfigEntry // the newer one the level inside runs
	refused string             // why the node refused the agent's
}

// reconcile compares the agent's configuration with the node's after a
// status: a newer one is pulled and handed to Pulled; a conflict is the
// returned error.
func (a *Agents) reconcile(ctx context.Context, c call, inside state.ConfigVersion) (reconciled, error) {
	node := a.nodeConfig(c.h.Service)
	switch {
	case node == nil || inside.Gen < node.Gen:
		return reconciled{}, nil
	case inside.Gen == node.Gen && inside.Hash != node.Hash:
		return reconciled{}, fmt.Errorf("%s (%s): %s", c.h.Container, c.h.Node, conflict(c.h.Service, inside.Gen, node.Hash, inside.Hash, "in "+c.h.Node))
	case inside.Gen == node.Gen:
		return reconciled{}, nil
	}
	out, err := a.run(ctx, call{h: c.h, x: c.x, verb: "config"})
	if err != nil {
		return reconciled{}, err
	}
	var e state.ConfigEntry
	if err := json.Unmarshal(out, &e); err != nil || e.Service != c.h.Service || state.HashSource(e.Source) != e.Hash {
		return reconciled{}, fmt.Errorf("%s (%s): the agent's configuration is not a valid entry: %v", c.h.Container, c.h.Node, err)
	}
	if a.Pulled == nil && a.DaemonRuns != nil && a.DaemonRuns() {
		return reconciled{note: fmt.Sprintf("configuration generation %d edited in %s is newer than the node's (%d) and runs there: the node's daemon takes it if it changes the level inside only (om mon says when it refuses one)", e.Gen, e.Origin, node.Gen), newer: &e}, nil
	}
	if a.Pulled == nil {
		return reconciled{note: fmt.Sprintf("configuration generation %d edited in %s is newer than the node's (%d) and runs there: no daemon runs on the node to take it; copy it into the node's files (docker exec ... om %s edit config shows it) or run the daemon", e.Gen, e.Origin, node.Gen, c.h.Service), newer: &e}, nil
	}
	var refusal *Refusal
	switch err := a.Pulled(c.h, &e); {
	case errors.As(err, &refusal):
		return reconciled{refused: a.pushBack(ctx, c, node, refusal)}, nil
	case err != nil:
		return reconciled{}, fmt.Errorf("%s (%s): take the newer configuration (generation %d): %w", c.h.Container, c.h.Node, e.Gen, err)
	}
	return reconciled{note: fmt.Sprintf("configuration generation %d edited in %s pulled and handed to the cluster", e.Gen, e.Origin), newer: &e}, nil
}

// pushBack puts the node's configuration back in place of the one the
// node refused: the level inside runs what the node holds, and the
// node's next edit is not taken for a conflict with the refused one.
func (a *Agents) pushBack(ctx context.Context, c call, node *state.ConfigEntry, r *Refusal) string {
	if err := a.pushConfig(ctx, c); err != nil {
		return fmt.Sprintf("%v; the node could not put its own back: %v", r, err)
	}
	return fmt.Sprintf("%v; the node put its own (generation %d) back in %s", r, node.Gen, c.h.Node)
}
