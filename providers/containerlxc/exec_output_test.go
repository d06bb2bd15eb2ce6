package containerlxc_test

import (
	"testing"

	"github.com/omhcl/omhcl/providers"
	"github.com/omhcl/omhcl/testfixtures/disklab"
	"github.com/omhcl/omhcl/testfixtures/executortest"
)

// A command that prints 100 MB, on stdout or stderr, fails its Exec
// within seconds, the node having kept no more than the cap of it; one
// that prints exactly the cap is read whole.
func TestExecOutputIsBounded(t *testing.T) {
	d, _, _ := lxcDriver(t, nil)
	ctx, log := t.Context(), disklab.Log(t)
	if err := d.Provision(ctx, log); err != nil {
		t.Fatal(err)
	}
	if err := d.Start(ctx, log); err != nil {
		t.Fatal(err)
	}
	executortest.OutputIsBounded(t, ctx, d.(providers.Executor), "container#web")
}
