package plan

import (
	"slices"
	"strings"
	"testing"

	"github.com/omhcl/omhcl/providers"
	"github.com/zclconf/go-cty/cty"
)

// Moved names, for each service and resource, what changed of what the
// fingerprint hashes, and nothing when only the rest changed.
func TestMovedNamesWhatTheFingerprintSaw(t *testing.T) {
	applied := Values{"image": cty.StringVal("busybox")}
	before := []*LiveInstance{
		{Service: "micro", Resources: []*LiveResource{
			{RID: "container#pause", Status: providers.Up, Exposed: Values{"pid": cty.NumberIntVal(10), "netns_path": cty.StringVal("/proc/10/ns/net")}},
			{RID: "container#web", Status: providers.Up, Applied: &applied, Messages: []string{"running"}},
			{RID: "ip#0", Status: providers.Down},
		}},
		{Service: "gone"},
	}
	after := []*LiveInstance{
		{Service: "micro", Frozen: true, Resources: []*LiveResource{
			{RID: "container#pause", Status: providers.Up, Exposed: Values{"pid": cty.NumberIntVal(11), "netns_path": cty.StringVal("/proc/11/ns/net")}},
			{RID: "container#web", Status: providers.Down, Applied: &applied, Messages: []string{"exited"}},
			{RID: "app#new", Status: providers.Down},
		}},
		{Service: "new"},
	}
	want := []string{
		"micro frozen false → true",
		"micro.container#pause exposed netns_path, pid",
		"micro.container#web up → down",
		"micro.ip#0 gone",
		"micro.app#new appeared",
		"gone no longer observed",
		"new now observed",
	}
	if got := Moved(before, after); !slices.Equal(got, want) {
		t.Errorf("Moved:\n got %s\nwant %s", strings.Join(got, "\n     "), strings.Join(want, "\n     "))
	}
	after[0].Frozen, after[0].Resources = false, before[0].Resources
	if got := Moved(before[:1], after[:1]); len(got) > 0 || Fingerprint(before[:1]) != Fingerprint(after[:1]) {
		t.Errorf("same state: moved %q", got)
	}
}

// Plans run the same steps when their driver calls match, whatever else
// differs (their ids, the values shown).
func TestSameSteps(t *testing.T) {
	steps := []Step{{Address: "s.ip#0", Service: "s", RID: "ip#0", Action: providers.ActStart}, {Address: "s.app#a", Service: "s", RID: "app#a", Action: providers.ActStart}}
	p := &Plan{ID: "1", Steps: steps}
	q := &Plan{ID: "2", Steps: slices.Clone(steps)}
	if !p.SameSteps(q) {
		t.Error("identical steps differ")
	}
	q.Steps[1].RIDs = []string{"app#a"}
	if p.SameSteps(q) || p.SameSteps(&Plan{Steps: steps[1:]}) || p.SameSteps(nil) {
		t.Error("other steps are the same")
	}
	if !(&Plan{}).SameSteps(&Plan{}) {
		t.Error("two empty plans differ")
	}
}
