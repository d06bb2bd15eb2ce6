package fs

import (
	"context"
	"slices"
	"testing"

	"github.com/omhcl/omhcl/providers"
	"github.com/omhcl/omhcl/testfixtures/disklab"
	"github.com/zclconf/go-cty/cty"
)

// strs builds string attributes from name, value pairs.
func strs(kv ...string) map[string]cty.Value {
	attrs := map[string]cty.Value{}
	for i := 0; i+1 < len(kv); i += 2 {
		attrs[kv[i]] = cty.StringVal(kv[i+1])
	}
	return attrs
}

func newFS(t *testing.T, typ string, attrs map[string]cty.Value) *driver {
	t.Helper()
	spec, ok := providers.Lookup("fs", typ)
	if !ok {
		t.Fatalf("fs.%s is not registered", typ)
	}
	d, err := spec.New(&providers.Resource{Service: "svc1", Node: "n1", Kind: "fs", Type: typ, Name: "app", Attrs: attrs})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return d.(*driver)
}

// act runs one driver action and checks the commands it ran (want, or
// the remark when nothing runs).
func act(t *testing.T, d *driver, a providers.Action, want ...string) {
	t.Helper()
	ctx := context.Background()
	log := disklab.Log(t)
	do := map[providers.Action]func(context.Context, *providers.Log) error{
		providers.ActStart: d.Start, providers.ActStop: d.Stop,
		providers.ActProvision: d.Provision, providers.ActUnprovision: d.Unprovision,
	}[a]
	if err := do(ctx, log); err != nil {
		t.Fatalf("%s: %v", a, err)
	}
	if got := disklab.Ops(log); !slices.Equal(got, want) {
		t.Errorf("%s ran %q, want %q", a, got, want)
	}
}

func wantState(t *testing.T, d *driver, want providers.State) providers.Status {
	t.Helper()
	st := d.Status(context.Background())
	if st.State != want {
		t.Fatalf("status = %+v, want %s", st, want)
	}
	return st
}
