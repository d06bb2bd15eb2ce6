package containerdocker

import (
	"context"
	"io"
	"strings"
	"testing"

	"github.com/omhcl/omhcl/providers"
	"github.com/zclconf/go-cty/cty"
)

func res(attrs map[string]cty.Value) *providers.Resource {
	return &providers.Resource{Service: "web", Kind: "container", Type: "docker", Name: "0", Attrs: attrs}
}

func TestBadAttributesAreRefused(t *testing.T) {
	for attr, v := range map[string]cty.Value{
		"pull":          cty.StringVal("sometimes"),
		"netns":         cty.StringVal("bridge"),
		"volumes":       cty.ListVal([]cty.Value{cty.StringVal("data:/data")}),
		"stop_timeout":  cty.StringVal("-1s"),
		"start_timeout": cty.StringVal("soon"),
	} {
		errs := providers.CheckResource(context.Background(), res(map[string]cty.Value{"image": cty.StringVal("x"), attr: v}), providers.Check{})
		if len(errs) != 1 || errs[0].Attr != attr || !strings.Contains(errs[0].Msg, "container#0") {
			t.Errorf("%s = %#v: %v", attr, v, errs)
		}
	}
}

// Plans print what is not known yet, and never panic on it.
func TestOperationsWithUnknownValues(t *testing.T) {
	d, err := newDriver(res(map[string]cty.Value{
		"image":   cty.StringVal("busybox"),
		"volumes": cty.ListVal([]cty.Value{cty.UnknownVal(cty.String)}),
		"env":     cty.UnknownVal(cty.Map(cty.String)),
		"command": cty.ListVal([]cty.Value{cty.StringVal("sleep"), cty.StringVal("1")}),
	}), "docker")
	if err != nil {
		t.Fatal(err)
	}
	ops := strings.Join(d.Operations(context.Background(), providers.ActStart), "\n")
	if !strings.Contains(ops, "--volume (known after apply)") || !strings.Contains(ops, "busybox sleep 1") {
		t.Errorf("operations:\n%s", ops)
	}
	if err := d.Start(context.Background(), providers.NewLog(io.Discard)); err == nil {
		t.Errorf("start with unknown values: no error")
	}
	if got := d.Describe(); got != "docker web.container.0@busybox" {
		t.Errorf("describe %q", got)
	}
}
