package cluster

import (
	"testing"

	"github.com/omhcl/omhcl/testfixtures/binaries"
)

// binDir holds the binaries built once for the whole package.
var binDir string

func TestMain(m *testing.M) {
	binaries.Main(func(dir string) int {
		binDir = dir
		return m.Run()
	}, "github.com/omhcl/omhcl/cmd/om", "github.com/omhcl/omhcl/cmd/omplan",
		"github.com/omhcl/omhcl/cmd/omapply", "github.com/omhcl/omhcl/testfixtures/demoweb")
}
