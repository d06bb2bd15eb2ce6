package check

import (
	"bytes"
	"fmt"

	"github.com/hashicorp/hcl/v2"
	"github.com/omhcl/omhcl/lang"
	"github.com/omhcl/omhcl/providers"
	"github.com/zclconf/go-cty/cty"
)

// holder is a resource setting an exclusive attribute.
type holder struct {
	rid  string
	v    cty.Value
	src  lang.AttrSource
	text []byte // the expression as written, blanks removed
}

// shared warns when two enabled resources of inst set one exclusive
// attribute (providers.AttrSpec.Exclusive) to the same thing: the same
// value when both are known, the same expression when both are unknown
// (a device another resource exposes only once up). One known and one
// unknown value cannot be compared, and are not.
func (k Checker) shared(svc *lang.Service, inst *lang.Instance) hcl.Diagnostics {
	var diags hcl.Diagnostics
	seen := map[string][]holder{} // by attribute name
	for _, r := range inst.Resources {
		spec, ok := providers.Lookup(r.Kind, r.Type)
		if !ok || r.Common.Disable {
			continue
		}
		for _, a := range spec.Attrs {
			v := r.Attrs[a.Name]
			if !a.Exclusive || v == cty.NilVal || v.IsNull() {
				continue
			}
			src, ok := svc.AttrSource(inst, r.RID(), a.Name)
			if !ok || src.Expr == nil {
				continue
			}
			h := holder{rid: r.RID(), v: v, src: src, text: k.exprText(src.Expr)}
			for _, prev := range seen[a.Name] {
				if same(prev, h) {
					diags = append(diags, sharedDiag(a.Name, prev, h))
					break
				}
			}
			seen[a.Name] = append(seen[a.Name], h)
		}
	}
	return diags
}

func same(a, b holder) bool {
	switch {
	case a.v.IsWhollyKnown() && b.v.IsWhollyKnown():
		return a.v.Equals(b.v).True()
	case !a.v.IsKnown() && !b.v.IsKnown():
		return a.text != nil && bytes.Equal(a.text, b.text)
	}
	return false
}

func sharedDiag(attr string, first, second holder) *hcl.Diagnostic {
	what := string(second.text)
	if second.v.IsWhollyKnown() && second.v.Type() == cty.String {
		what = fmt.Sprintf("%q", second.v.AsString())
	}
	return &hcl.Diagnostic{
		Severity: hcl.DiagWarning,
		Summary:  fmt.Sprintf("%s and %s share one %s", first.rid, second.rid, attr),
		Detail: fmt.Sprintf("%s sets %s to %s, as %s does on line %d. One %s serves one resource only (two filesystems on one device overwrite each other): is another one meant here?",
			second.rid, attr, what, first.rid, first.src.Range.Start.Line, attr),
		Subject: second.src.Expr.Range().Ptr(),
		Context: second.src.Range.Ptr(),
	}
}

// exprText is expr as written, blanks removed and a template wrapping a
// single expression ("${disk.1.exposed_devs[0]}") unwrapped; nil when the
// source is not at hand.
func (k Checker) exprText(expr hcl.Expression) []byte {
	rng := expr.Range()
	if k.Config == nil {
		return nil
	}
	f := k.Config.Files[rng.Filename]
	if f == nil || rng.Start.Byte < 0 || rng.End.Byte > len(f.Bytes) || rng.Start.Byte > rng.End.Byte {
		return nil
	}
	var out []byte
	for _, c := range f.Bytes[rng.Start.Byte:rng.End.Byte] {
		if c != ' ' && c != '\t' && c != '\n' && c != '\r' {
			out = append(out, c)
		}
	}
	if bytes.HasPrefix(out, []byte(`"${`)) && bytes.HasSuffix(out, []byte(`}"`)) && bytes.Count(out, []byte("${")) == 1 {
		out = out[3 : len(out)-2]
	}
	return out
}
