package clusterlab

import (
	"fmt"
	"regexp"
	"strings"
	"time"
)

var secretRE = regexp.MustCompile(`^[0-9a-f]{32}$`)

// Secret returns the cluster secret node's daemon holds.
func (r *Rig) Secret(node string) (string, error) {
	res, err := r.Run(node, "om", "cluster", "get", "--kw", "cluster.secret")
	if err != nil {
		return "", err
	}
	if err := res.Err(); err != nil {
		return "", err
	}
	s := strings.TrimSpace(res.Stdout)
	if !secretRE.MatchString(s) {
		return "", fmt.Errorf("%s: om cluster get --kw cluster.secret printed %q, not 32 hex digits", node, s)
	}
	return s, nil
}

// Join forms the cluster as an operator does: node1's secret, then `om
// daemon join --secret-file - --node 198.18.10.1` on every other node,
// the secret on its stdin (never on a command line), then waits until
// every node sees every other one.
func (r *Rig) Join(timeout time.Duration) error {
	first := r.Nodes[0]
	secret, err := r.Secret(first.Name)
	if err != nil {
		return err
	}
	for _, n := range r.Nodes[1:] {
		res, err := r.RunInput(n.Name, secret+"\n", "om", "daemon", "join", "--secret-file", "-", "--node", first.Addr)
		if err != nil {
			return err
		}
		if err := res.Err(); err != nil {
			return fmt.Errorf("%s: join: %w", n.Name, err)
		}
		r.log("%s: joined %s\n%s", n.Name, first.Name, strings.TrimRight(res.Stdout, "\n"))
	}
	return r.WaitAllMembers(timeout)
}

// WaitMembers waits until node's daemon sees every one of want as an
// alive member.
func (r *Rig) WaitMembers(node string, want []string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		view, err := r.Mon(node)
		var missing []string
		if err == nil {
			missing = missingAlive(view, want)
			if len(missing) == 0 {
				return nil
			}
			err = fmt.Errorf("not alive there: %v", missing)
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s does not see %v alive after %s: %v", node, want, timeout, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
