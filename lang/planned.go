package lang

import "sort"

// plannedTypes are resource types the language accepts before their driver
// exists: their blocks are parsed and carried with untyped attributes, with
// a warning, so configurations using them (the seeds' containers) load.
var plannedTypes = map[string][]string{
	"container": {"kvm"},
}

func isPlanned(kind, typ string) bool {
	for _, t := range plannedTypes[kind] {
		if t == typ {
			return true
		}
	}
	return false
}

// PlannedTypes lists the types of kind accepted without a driver, sorted.
func PlannedTypes(kind string) []string {
	out := append([]string(nil), plannedTypes[kind]...)
	sort.Strings(out)
	return out
}
