package disklab

import (
	"strings"
	"testing"

	"github.com/omhcl/omhcl/providers"
)

// Log returns a driver log that writes into the test's output (shown with
// -v or on failure) and keeps its lines for assertions.
func Log(t testing.TB) *providers.Log { return providers.NewLog(t.Output()) }

// Ops returns the operation and remark lines of log, without the resource
// header and command output, trimmed of their indent.
func Ops(log *providers.Log) []string {
	var out []string
	for _, s := range log.Lines() {
		if strings.HasPrefix(s, "  ") && !strings.HasPrefix(s, "  | ") {
			out = append(out, strings.TrimPrefix(s, "  "))
		}
	}
	return out
}
