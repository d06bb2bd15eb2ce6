package plan

import (
	"encoding/json"
	"fmt"
	"sort"

	"github.com/omhcl/omhcl/providers"
	"github.com/omhcl/omhcl/state"
	"github.com/zclconf/go-cty/cty"
)

// NewDriver builds the driver of an evaluated resource.
func NewDriver(r *providers.Resource) (providers.Driver, error) {
	spec := specOf(r)
	if spec == nil {
		return nil, fmt.Errorf("%s: no driver for %s.%s", r.RID(), r.Kind, r.Type)
	}
	return spec.New(r)
}

func specOf(r *providers.Resource) *providers.Spec {
	s, _ := providers.Lookup(r.Kind, r.Type)
	return s
}

// EncodeApplied serializes the attributes a resource was started with.
func EncodeApplied(attrs map[string]cty.Value) (json.RawMessage, error) {
	return json.Marshal(Values(attrs))
}

func decodeApplied(raw json.RawMessage) *Values {
	if raw == nil {
		return nil
	}
	var v Values
	if err := json.Unmarshal(raw, &v); err != nil {
		return nil
	}
	return &v
}

// AppliedResource rebuilds a resource from the settings it was last started
// with, to stop it after the configuration changed or dropped it.
func AppliedResource(svc, node, rid string, rr *state.ResourceRecord, store *state.Store) *providers.Resource {
	v := decodeApplied(rr.Applied)
	if v == nil {
		return nil
	}
	r := &providers.Resource{Service: svc, Node: node, Kind: rr.Kind, Type: rr.Type, Name: rr.Name, Attrs: *v}
	if store != nil {
		r.StateDir = store.ResourceDir(svc, rid)
	}
	return r
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
