package containerdocker

import (
	"context"
	"testing"

	"github.com/omhcl/omhcl/testfixtures/executortest"
	"github.com/zclconf/go-cty/cty"
)

// A command that prints 100 MB fails its Exec, the node having kept no
// more than the cap of it; one that prints exactly the cap is read whole.
func TestExecOutputIsBounded(t *testing.T) {
	l := newLab(t, "docker", dockerSocket)
	d := l.driver(l.resource("x", map[string]cty.Value{"command": cmd("sleep", "300"), "stop_timeout": cty.StringVal("0s")}))
	l.start(d)
	executortest.OutputIsBounded(t, context.Background(), d)
}
