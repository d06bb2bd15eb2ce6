package disklab

import (
	"context"
	"slices"
	"testing"

	"github.com/omhcl/omhcl/providers"
)

// OpsOf returns the operations a driver lists for every action.
func OpsOf(d providers.Driver) map[providers.Action][]string {
	ops := map[providers.Action][]string{}
	for _, a := range []providers.Action{providers.ActStart, providers.ActStop, providers.ActProvision, providers.ActUnprovision} {
		ops[a] = d.Operations(context.Background(), a)
	}
	return ops
}

// CheckOps fails unless every action's operations are want's, whatever
// state the system is in when asked (when says which): operations follow
// the settings alone, so a plan made from a snapshot elsewhere reads like
// the node's own.
func CheckOps(t testing.TB, d providers.Driver, when string, want map[providers.Action][]string) {
	t.Helper()
	for a, ops := range OpsOf(d) {
		if !slices.Equal(ops, want[a]) {
			t.Errorf("%s operations %s = %q, want %q", a, when, ops, want[a])
		}
	}
}
