package plan_test

import (
	"bytes"
	"context"
	"fmt"
	"maps"
	"regexp"
	"runtime"
	"strings"
	"testing"

	"github.com/omhcl/omhcl/lang"
	"github.com/omhcl/omhcl/plan"
	"github.com/omhcl/omhcl/providers"
	"github.com/zclconf/go-cty/cty"
)

// Services are observed and planned in parallel; the plan, its renderings
// and the diagnostics must not depend on how many run at once.
func TestParallelPlanIsDeterministic(t *testing.T) {
	files := map[string][]byte{}
	for i := range 40 {
		nodes := `["demo1", "demo2"]`
		if i%7 == 6 {
			nodes = `["demo2"]` // not on this node, no record: left out
		}
		src := strings.NewReplacer("svc1", fmt.Sprintf("svc%02d", i), `["demo1", "demo2"]`, nodes,
			"%IP%", fmt.Sprintf("198.18.1.%d/24", i), "%STANDBY%", "false").Replace(svcHCL)
		files[fmt.Sprintf("svc%02d.hcl", i)] = []byte(src)
	}
	cfg, diags := lang.LoadFiles(files)
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	live := &plan.Live{FormatVersion: plan.LiveFormatVersion, Node: "demo1"}
	for i, svc := range cfg.Services {
		if i%5 == 4 {
			continue // never seen on this node
		}
		live.Services = append(live.Services, liveOf(t, svc, i))
	}
	run := func(procs int) string {
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
		req := plan.Request{Config: cfg, Source: plan.Snapshot{Live: live}, Options: plan.Options{Node: "demo1"}}
		inputs, diags := plan.Observe(context.Background(), req)
		var out bytes.Buffer
		fmt.Fprintln(&out, len(inputs), diags.Error())
		p, err := plan.Build("demo1", inputs, req.Options)
		if err != nil {
			t.Fatal(err)
		}
		plan.WriteText(&out, p, false)
		if err := plan.WriteJSON(&out, p); err != nil {
			t.Fatal(err)
		}
		return regexp.MustCompile(`"(id|created_at)": "[^"]*"`).ReplaceAllString(out.String(), "")
	}
	want := run(1)
	if !strings.Contains(want, "Invalid exposed value") || !strings.Contains(want, "will be replaced") || !strings.Contains(want, "will be provisioned") {
		t.Fatalf("the sequential plan lacks errors, replacements or provisions:\n%s", want)
	}
	for range 5 {
		if got := run(4); got != want {
			t.Fatalf("parallel plan differs:\n%s\nsequential:\n%s", got, want)
		}
	}
}

// liveOf is the state of service i on demo1: down, up as applied, up with
// an older address, or with an exposed value of the wrong type.
func liveOf(t *testing.T, svc *lang.Service, i int) *plan.LiveInstance {
	t.Helper()
	empty := plan.Snapshot{Live: &plan.Live{FormatVersion: plan.LiveFormatVersion, Node: "demo1"}}
	_, li, diags := empty.Instance(context.Background(), svc, "demo1")
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	if i%4 == 0 {
		return li // down, never provisioned
	}
	for _, lr := range li.Resources {
		lr.Status, lr.Provisioned = providers.Up, true
		switch lr.RID {
		case "ip#0":
			lr.Exposed = plan.Values{"ipaddr": cty.StringVal(fmt.Sprintf("198.18.1.%d", i))}
		case "disk#data":
			lr.Exposed = plan.Values{"exposed_devs": cty.ListVal([]cty.Value{cty.StringVal(fmt.Sprintf("/dev/loop%d", i))})}
		}
	}
	// applied: what the configuration evaluates to with those values
	one := plan.Snapshot{Live: &plan.Live{FormatVersion: plan.LiveFormatVersion, Node: "demo1", Services: []*plan.LiveInstance{li}}}
	inst, _, diags := one.Instance(context.Background(), svc, "demo1")
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	for _, lr := range li.Resources {
		attrs := plan.Values(inst.Resource(lr.RID).Attrs)
		if i%4 == 2 && lr.RID == "ip#0" {
			attrs = maps.Clone(attrs)
			attrs["ipname"] = cty.StringVal("198.18.2.1/24")
		}
		lr.Applied = &attrs
	}
	if i%4 == 3 {
		li.Resource("ip#0").Exposed = plan.Values{"ipaddr": cty.ListValEmpty(cty.String)}
	}
	return li
}
