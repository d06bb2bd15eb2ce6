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
	registryMu.RLock()
	defer registryMu.RUnlock()
	var out []string
	for _, k := range KindOrder {
		for _, s := range registry {
			if s.Kind == k {
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
