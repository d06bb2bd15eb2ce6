package plan

import (
	"testing"

	"github.com/omhcl/omhcl/providers"
	"github.com/zclconf/go-cty/cty"
)

// The fingerprint of a saved plan is checked by a later omapply, maybe of
// another build: the direct encoding must write what encoding/json does.
func TestFingerprintEncodingMatchesJSON(t *testing.T) {
	applied := Values{"ipname": cty.StringVal("198.18.0.2/16"), "netmask": cty.NullVal(cty.DynamicPseudoType), "size": cty.NumberIntVal(16)}
	infinite := Values{"n": cty.PositiveInfinity}
	lives := []*LiveInstance{
		{Service: "svc<1>", Frozen: true},
		{Service: "svc2", Resources: []*LiveResource{
			{RID: "ip#vip", Status: providers.Up, Provisioned: true,
				Exposed: Values{"ipaddr": cty.StringVal("198.18.0.2"), "prefix": cty.NumberIntVal(16)}, Applied: &applied},
			{RID: "disk#d1", Status: providers.Down},
			{RID: "container#0", Status: providers.Up, Drift: []string{"command", "image<1>"}},
			{RID: "app#a&b", Status: providers.State("n/a"), Exposed: Values{}, Applied: &Values{}},
		}},
		{Service: "svc3", Resources: []*LiveResource{{RID: "app#x", Applied: &infinite}}},
	}
	for _, li := range lives {
		if got, want := appendFingerprint(nil, li), fingerprintJSON(li); string(got) != string(want) {
			t.Errorf("%s:\n got %s\nwant %s", li.Service, got, want)
		}
	}
}
