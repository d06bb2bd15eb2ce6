package plan_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/omhcl/omhcl/lang"
	"github.com/omhcl/omhcl/plan"
	"github.com/omhcl/omhcl/providers"
)

const cascadeHCL = `
service "svc1" {
  nodes = ["demo1"]
  ip "0" {
    ipname = "%IP%"
    ipdev  = "br-prd"
  }
  app "a" {
    start = "/bin/a ${ip.0.ipaddr}"
  }
  app "b" {
    start = "/bin/b ${ip.0.ipaddr}"
  }
  app "c" {
    start      = "/bin/c ${ip.0.ipaddr}"
    depends_on = [app.a]
  }
  app "d" {
    start = "/bin/d ${ip.0.ipaddr}"
  }
}
`

// The apps using a replaced address restart, listed in the same order on
// every run: the plan of the same inputs is the same text.
func TestCascadedRestartsComeInStartOrder(t *testing.T) {
	load := func(ip string) *lang.Config {
		cfg, diags := lang.LoadFiles(map[string][]byte{"svc1.hcl": []byte(strings.ReplaceAll(cascadeHCL, "%IP%", ip))})
		if diags.HasErrors() {
			t.Fatal(diags.Error())
		}
		return cfg
	}
	old := load("198.18.0.10/24")
	live := snapshot(t, old, "demo1", providers.Up, true)
	settle(t, old, live)
	cfg := load("198.18.0.11/24")
	// in start order (a, b, c, d), each followed by the restarts it causes:
	// c depends on a
	want := []string{"ip#0", "app#a", "app#c", "app#b", "app#d"}
	for range 20 {
		var got []string
		for _, c := range makePlan(t, cfg, live, plan.Options{}).Changes {
			got = append(got, c.RID)
		}
		if !slices.Equal(got, want) {
			t.Fatalf("changes %q, want %q", got, want)
		}
	}
}
