// Package lang loads omhcl service configurations written in HCL and
// evaluates them for one node: scoping, references between resources,
// dependency ordering and functions.
package lang

import (
	"github.com/hashicorp/hcl/v2"
	"github.com/omhcl/omhcl/providers"
	"github.com/zclconf/go-cty/cty"
)

// Config is a loaded, statically validated set of service definitions.
type Config struct {
	Services []*Service // sorted by name
	// Files holds the parsed sources, for diagnostic snippets.
	Files map[string]*hcl.File
}

// Service returns the service named name, or nil.
func (c *Config) Service(name string) *Service {
	for _, s := range c.Services {
		if s.Name == name {
			return s
		}
	}
	return nil
}

// ServiceSource returns the HCL text of the service block named name, as
// written: the unit the cluster distributes.
func (c *Config) ServiceSource(name string) []byte {
	s := c.Service(name)
	if s == nil {
		return nil
	}
	f := c.Files[s.Range.Filename]
	if f == nil || s.Range.End.Byte > len(f.Bytes) || s.Range.Start.Byte > s.Range.End.Byte {
		return nil
	}
	return append([]byte(nil), f.Bytes[s.Range.Start.Byte:s.Range.End.Byte]...)
}

// Exposer returns the exposed attributes (providers.Spec.Exposed) of an
// evaluated resource, as the live system shows them. A nil map or a missing
// key means unknown.
type Exposer func(r *providers.Resource) map[string]cty.Value

// Settings are the evaluated service-level attributes.
type Settings struct {
	Nodes      []string
	DrpNodes   []string
	EncapNodes []string
	// ID is the service's UUID ("" when the configuration sets none).
	ID  string
	App string // free-form application name
	// Orchestrate is "no", "start" or "ha".
	Orchestrate string
	// Topology is "failover" or "flex".
	Topology string
	FlexMin  int
	FlexMax  int
	// Placement is "nodes order", "load avg", "score" or "spread".
	Placement string
	// MonitorAction runs when a monitored resource stays down after its
	// restarts: "freezestop", "switch", "crash" or "reboot"; "" for none.
	MonitorAction string
}

// Instance is a service evaluated as one node sees it.
type Instance struct {
	Service  string
	Node     string
	Settings Settings
	// Resources in start order: a topological order of DependsOn, ties
	// broken by kind order (providers.KindOrder) then declaration order.
	Resources []*providers.Resource
	// DependsOn maps a rid to the rids it directly depends on (references,
	// depends_on and the default kind order).
	DependsOn map[string][]string
	// References maps a rid to the rids it names itself (references and
	// depends_on), without the default kind order: a resource whose
	// settings come from another must restart when that one is replaced.
	References map[string][]string
	// Ranges maps a rid to its block's declaration range, for errors.
	Ranges map[string]hcl.Range
}

// Resource returns the resource with the given rid, or nil.
func (in *Instance) Resource(rid string) *providers.Resource {
	for _, r := range in.Resources {
		if r.RID() == rid {
			return r
		}
	}
	return nil
}
