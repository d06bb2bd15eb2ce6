package plan_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/omhcl/omhcl/lang"
	"github.com/omhcl/omhcl/plan"
	"github.com/omhcl/omhcl/providers"
)

// A stop of a level inside a container sharing the node's network
// namespace (its driver says so: Spec.NodeNetwork) names the level's
// addresses (Spec.Address) for the node to drop should the agent fail;
// a container in a namespace of its own names none.
func TestEncapStopNamesTheAddressesWhenTheContainerSharesTheNodeNetwork(t *testing.T) {
	for _, c := range []struct {
		netns string
		drops []string
	}{{"host", []string{"ip#1"}}, {"none", nil}} {
		cfg, diags := lang.LoadFiles(map[string][]byte{"enc.hcl": []byte(strings.Replace(encapHCL, `image    = "busybox"`, `image    = "busybox"
    netns    = "`+c.netns+`"`, 1))})
		if diags.HasErrors() {
			t.Fatal(diags.Error())
		}
		p, _, diags := plan.Make(context.Background(), plan.Request{Config: cfg, Source: plan.Snapshot{Live: encapLive(t, cfg, providers.Up, nil)},
			Options: plan.Options{Node: "hv1", Target: plan.TargetDown}})
		if diags.HasErrors() {
			t.Fatal(diags.Error())
		}
		i := slices.IndexFunc(p.Steps, func(s plan.Step) bool { return s.EncapNode == "vm1" && s.Action == providers.ActStop })
		if i < 0 {
			t.Fatalf("netns %s: no stop of the level inside in %q", c.netns, stepLines(p))
		}
		if got := p.Steps[i].NodeDrops; !slices.Equal(got, c.drops) {
			t.Errorf("netns %s: the node would drop %q, want %q", c.netns, got, c.drops)
		}
	}
}
