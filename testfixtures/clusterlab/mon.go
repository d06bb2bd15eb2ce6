package clusterlab

import (
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/omhcl/omhcl/wire"
)

// Mon runs `om mon --json` as node and decodes it.
func (r *Rig) Mon(node string) (*wire.MonView, error) {
	res, err := r.Run(node, "om", "mon", "--json")
	if err != nil {
		return nil, err
	}
	if err := res.Err(); err != nil {
		return nil, err
	}
	var v wire.MonView
	if err := json.Unmarshal([]byte(res.Stdout), &v); err != nil {
		return nil, fmt.Errorf("%s: om mon --json: %v\n%s", node, err, res.Stdout)
	}
	return &v, nil
}

// missingAlive returns those of want the view does not hold alive.
func missingAlive(v *wire.MonView, want []string) []string {
	var out []string
	for _, w := range want {
		if !slices.ContainsFunc(v.Nodes, func(n wire.MonNode) bool { return n.Name == w && n.Status == "alive" }) {
			out = append(out, w)
		}
	}
	return out
}

// MonServiceOf returns the service named name in the view, nil if absent.
func MonServiceOf(v *wire.MonView, name string) *wire.MonService {
	for i := range v.Services {
		if v.Services[i].Name == name {
			return &v.Services[i]
		}
	}
	return nil
}

// WaitSettled waits until every node whose daemon runs shows service
// running on the same single node, with no action in progress on any
// instance, and returns that node. Act on a service only once settled: an
// operation sent in the middle of a start races with it.
func (r *Rig) WaitSettled(service string, timeout time.Duration) (string, error) {
	deadline := time.Now().Add(timeout)
	for {
		node, err := r.settledOn(service)
		if err == nil {
			return node, nil
		}
		if time.Now().After(deadline) {
			return "", fmt.Errorf("%s not settled after %s: %v", service, timeout, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func (r *Rig) settledOn(service string) (string, error) {
	on := ""
	for _, n := range r.Nodes {
		if r.DaemonPID(n.Name) == 0 {
			continue
		}
		v, err := r.Mon(n.Name)
		if err != nil {
			return "", err
		}
		s := MonServiceOf(v, service)
		if s == nil {
			return "", fmt.Errorf("%s: no service %s in om mon", n.Name, service)
		}
		if len(s.Running) != 1 || (on != "" && s.Running[0] != on) {
			return "", fmt.Errorf("%s sees %s running on %v", n.Name, service, s.Running)
		}
		on = s.Running[0]
		for node, in := range s.Instances {
			if in != nil && in.Busy != "" {
				return "", fmt.Errorf("%s sees %s busy on %s: %s", n.Name, service, node, in.Busy)
			}
		}
	}
	if on == "" {
		return "", fmt.Errorf("no daemon runs")
	}
	return on, nil
}
