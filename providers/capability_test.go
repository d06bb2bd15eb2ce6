package providers_test

import (
	"slices"
	"testing"

	"github.com/omhcl/omhcl/plan"
	"github.com/omhcl/omhcl/providers"
	_ "github.com/omhcl/omhcl/providers/all"
	"github.com/zclconf/go-cty/cty"
)

// The fence drops the resources selected by providers.AddressKinds: those
// selectors pick out exactly the resources whose driver declares a
// service address, across every driver (the drivers of one kind agree),
// and today those are the ip drivers (the fence's "ip" before the
// capability).
func TestFenceSelectsTheDriversDeclaringAnAddress(t *testing.T) {
	sel := providers.AddressKinds()
	if !slices.Equal(sel, []string{"ip"}) {
		t.Fatalf("address kinds %q, want [ip]", sel)
	}
	n := 0
	for _, kind := range providers.Kinds() {
		for _, typ := range providers.Types(kind) {
			spec, _ := providers.Lookup(kind, typ)
			r := &providers.Resource{Kind: kind, Type: typ, Name: "x"}
			picked := slices.ContainsFunc(sel, func(k string) bool { return plan.SelectsRID(k, r.RID()) })
			if picked != spec.Address || providers.HoldsAddress(r) != spec.Address {
				t.Errorf("%s: the fence picks it %v, its driver declares Address %v", spec.Key(), picked, spec.Address)
			}
			if spec.Address {
				n++
			}
		}
	}
	if n != 2 {
		t.Errorf("%d drivers declare an address, want 2 (ip.host, ip.netns)", n)
	}
}

// The capability, not the kind, decides: a driver of another kind that
// declares it holds an address or shares the node's network does; a
// container whose driver does not declare NodeNetwork never shares it,
// whatever its netns attribute says.
func TestCapabilitiesComeFromTheSpec(t *testing.T) {
	providers.Register(&providers.Spec{Kind: "capvip", Type: "x", Address: true,
		NodeNetwork: func(r *providers.Resource) bool { return r.Str("net") == "node" }})
	vip := &providers.Resource{Kind: "capvip", Type: "x", Attrs: map[string]cty.Value{"net": cty.StringVal("node")}}
	if !providers.HoldsAddress(vip) || !providers.SharesNodeNetwork(vip) {
		t.Fatal("the capabilities capvip.x declares are not seen")
	}
	host := map[string]cty.Value{"netns": cty.StringVal("host")}
	for _, c := range []struct {
		typ  string
		want bool
	}{{"docker", true}, {"podman", true}, {"lxc", false}, {"kvm", false}} {
		r := &providers.Resource{Kind: "container", Type: c.typ, Attrs: host}
		if got := providers.SharesNodeNetwork(r); got != c.want {
			t.Errorf("container.%s with netns = host shares the node's network: %v, want %v", c.typ, got, c.want)
		}
		if providers.HoldsAddress(r) {
			t.Errorf("container.%s holds an address", c.typ)
		}
	}
	if providers.SharesNodeNetwork(&providers.Resource{Kind: "container", Type: "docker", Attrs: map[string]cty.Value{"netns": cty.StringVal("none")}}) {
		t.Error("a docker container with netns = none shares the node's network")
	}
	if providers.SharesNodeNetwork(nil) {
		t.Error("no resource shares the node's network")
	}
}
