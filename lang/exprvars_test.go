package lang

import (
	"reflect"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

// exprVariables must find what hclsyntax finds, in the same order, whether
// it reads the expression itself or hands it over.
func TestExprVariablesMatchesHCL(t *testing.T) {
	exprs := []string{
		`"plain"`, `42`, `true`, `null`, `fs.data.mnt`, `disk.d1.exposed_devs[0]`, `disk["d1"].name`,
		`"${fs.data.mnt}/bin/db start ${ip.vip.ipaddr}:8080 ${fs.tmp.mnt}"`,
		`"${service.name}"`, `["a", fs.x.mnt, ["nested", "${ip.0.ipaddr}"]]`, `[]`,
		`<<EOT
start ${fs.data.mnt}
EOT
`,
		`"%{ if fs.x.mnt != "" }${fs.x.mnt}%{ endif }"`, `upper(fs.x.mnt)`, `nosuch(fs.x.mnt)`,
		`[for d in disk : d.name]`, `[for d in disk : nope(d.name, fs.y.mnt)]`,
		`fs.x.mnt == "" ? "a" : ip.0.ipaddr`, `{ A = fs.x.mnt, "B" = "b" }`, `-disk.d.size`,
		`"${upper(fs.x.mnt)}"`, `[fs.a.mnt, nosuch()]`,
	}
	for _, src := range exprs {
		expr, diags := hclsyntax.ParseExpression([]byte(src), "t.hcl", hcl.InitialPos)
		if diags.HasErrors() {
			t.Fatalf("%s: %s", src, diags.Error())
		}
		gotVars, gotDiags := exprVariables(expr)
		wantVars, wantDiags := hclsyntax.Variables(expr), checkFunctions(expr)
		if len(gotVars) != len(wantVars) || (len(wantVars) > 0 && !reflect.DeepEqual(gotVars, wantVars)) {
			t.Errorf("%s: variables %d %v, hclsyntax %d %v", src, len(gotVars), gotVars, len(wantVars), wantVars)
		}
		if gotDiags.Error() != wantDiags.Error() {
			t.Errorf("%s: diagnostics %q, want %q", src, gotDiags.Error(), wantDiags.Error())
		}
	}
}
