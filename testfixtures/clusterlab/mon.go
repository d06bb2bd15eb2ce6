package clusterlab

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"
)

// MonView is node's `om mon --json`, decoded loosely: the lab reads only
// which members are alive.
type MonView struct {
	Node string
	Raw  map[string]any
}

// Mon runs `om mon --json` as node and decodes it.
func (r *Rig) Mon(node string) (*MonView, error) {
	res, err := r.Run(node, "om", "mon", "--json")
	if err != nil {
		return nil, err
	}
	if err := res.Err(); err != nil {
		return nil, err
	}
	v := &MonView{Node: node}
	if err := json.Unmarshal([]byte(res.Stdout), &v.Raw); err != nil {
		return nil, fmt.Errorf("%s: om mon --json: %v", node, err)
	}
	return v, nil
}

// AliveNodes returns the members the view holds alive, sorted.
func (v *MonView) AliveNodes() []string {
	var alive []string
	for name, n := range objects(v.Raw["nodes"]) {
		if isAlive(n) {
			alive = append(alive, name)
		}
	}
	sort.Strings(alive)
	return alive
}

// missing returns those of want the view does not hold alive.
func (v *MonView) missing(want []string) []string {
	alive := v.AliveNodes()
	var out []string
	for _, w := range want {
		if !slices.Contains(alive, w) {
			out = append(out, w)
		}
	}
	return out
}

// objects maps a JSON object of objects, or an array of objects with a
// "name", to name -> object.
func objects(x any) map[string]map[string]any {
	out := map[string]map[string]any{}
	switch x := x.(type) {
	case map[string]any:
		for k, v := range x {
			if o, ok := v.(map[string]any); ok {
				out[k] = o
			}
		}
	case []any:
		for _, v := range x {
			if o, ok := v.(map[string]any); ok {
				if name, ok := o["name"].(string); ok {
					out[name] = o
				}
			}
		}
	}
	return out
}

func isAlive(n map[string]any) bool {
	if b, ok := n["alive"].(bool); ok {
		return b
	}
	for _, k := range []string{"state", "status"} {
		if s, ok := n[k].(string); ok {
			return s == "alive" || s == "up"
		}
	}
	return false
}
