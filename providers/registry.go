package providers

import (
	"fmt"
	"sort"
	"sync"
)

var (
	registryMu sync.RWMutex
	registry   = map[string]*Spec{}
)

// Register adds a driver spec. It panics on a duplicate key: two drivers
// claiming one kind.type is a programming error caught at init.
func Register(s *Spec) {
	registryMu.Lock()
	defer registryMu.Unlock()
	if _, dup := registry[s.Key()]; dup {
		panic(fmt.Sprintf("providers: duplicate driver %s", s.Key()))
	}
	if s.Default {
		for _, o := range registry {
			if o.Kind == s.Kind && o.Default {
				panic(fmt.Sprintf("providers: two default drivers for kind %s", s.Kind))
			}
		}
	}
	registry[s.Key()] = s
}

// SpecOf returns the spec of r's driver (its kind's default when r names
// no type), nil when none is registered (a planned type).
func SpecOf(r *Resource) *Spec {
	s, _ := Lookup(r.Kind, r.Type)
	return s
}

// HoldsAddress reports whether r's driver declares Spec.Address.
func HoldsAddress(r *Resource) bool {
	s := SpecOf(r)
	return s != nil && s.Address
}

// SharesNodeNetwork reports whether r's driver says, through
// Spec.NodeNetwork, that r runs in the node's network namespace; false
// for a nil r.
func SharesNodeNetwork(r *Resource) bool {
	if r == nil {
		return false
	}
	s := SpecOf(r)
	return s != nil && s.NodeNetwork != nil && s.NodeNetwork(r)
}

// AddressKinds lists, in KindOrder, the kinds whose drivers declare
// Spec.Address: as --rid selectors, they select exactly the resources
// holding a service address, at every level, as the drivers of one kind
// agree on it (TestFenceSelectsTheDriversDeclaringAnAddress).
func AddressKinds() []string {
	return kindsWith(func(s *Spec) bool { return s.Address })
}

// Lookup returns the spec for kind and type; an empty type selects the
// kind's default driver.
func Lookup(kind, typ string) (*Spec, bool) {
	registryMu.RLock()
	defer registryMu.RUnlock()
	if typ == "" {
		for _, s := range registry {
			if s.Kind == kind && s.Default {
				return s, true
			}
		}
		return nil, false
	}
	s, ok := registry[kind+"."+typ]
	return s, ok
}

// Types lists the registered types of a kind, sorted.
func Types(kind string) []string {
	registryMu.RLock()
	defer registryMu.RUnlock()
	var out []string
	for _, s := range registry {
		if s.Kind == kind {
			out = append(out, s.Type)
		}
	}
	sort.Strings(out)
	return out
}

// Kinds lists the kinds that have at least one driver, in KindOrder.
func Kinds() []string {
	return kindsWith(func(*Spec) bool { return true })
}

// kindsWith lists, in KindOrder, the kinds with a driver that has has.
func kindsWith(has func(*Spec) bool) []string {
	registryMu.RLock()
	defer registryMu.RUnlock()
	var out []string
	for _, k := range KindOrder {
		for _, s := range registry {
			if s.Kind == k && has(s) {
				out = append(out, k)
				break
			}
		}
	}
	return out
}

// IsKind reports whether name is a resource kind the language knows, with
// or without a registered driver (container and sync come with later work).
func IsKind(name string) bool {
	for _, k := range KindOrder {
		if k == name {
			return true
		}
	}
	return false
}
