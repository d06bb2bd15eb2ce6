package lang

import (
	"errors"
	"fmt"
	"unicode"

	"github.com/hashicorp/hcl/v2"
	"github.com/omhcl/omhcl/internal/cmdline"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"
)

// constCtx evaluates expressions without variables: literals and function
// calls on literals.
var constCtx = &hcl.EvalContext{Functions: functions}

// foldConstants evaluates, converts and checks every assignment without
// variables once, at load: errors show up without any node, and Evaluate
// reuses the values.
func (s *Service) foldConstants() hcl.Diagnostics {
	var diags hcl.Diagnostics
	s.settings.all(func(_ *scope, a *attr) {
		if st := settingByName[a.Name]; st != nil {
			diags = append(diags, foldAttr(st.slot, a)...)
			if a.isConst {
				diags = append(diags, runChecks(st.slot, a, a.constVal, nil)...)
			}
		}
	})
	for _, b := range s.Blocks {
		base := map[string]cty.Value{}
		b.attrs.all(func(sc *scope, a *attr) {
			if sl := b.slotByName[a.Name]; sl != nil {
				diags = append(diags, foldAttr(sl, a)...)
				if sc == nil && a.isConst {
					base[a.Name] = a.constVal
				}
			}
		})
		b.attrs.all(func(_ *scope, a *attr) {
			if sl := b.slotByName[a.Name]; sl != nil && a.isConst {
				diags = append(diags, runChecks(sl, a, a.constVal, base)...)
			}
		})
	}
	return diags
}

func foldAttr(sl *slot, a *attr) hcl.Diagnostics {
	if a.hasVars {
		return nil
	}
	a.isConst = true
	v, diags := a.Expr.Value(constCtx)
	if diags.HasErrors() {
		a.constVal = cty.UnknownVal(sl.typ)
		return diags
	}
	cv, d := convertValue(sl, a, v)
	a.constVal = cv
	return append(diags, d...)
}

// convertValue converts an evaluated value to the slot's type; null means
// absent, so the default applies.
func convertValue(sl *slot, a *attr, v cty.Value) (cty.Value, hcl.Diagnostics) {
	if v.IsNull() {
		return sl.absent(), nil
	}
	if sl.typ == cty.DynamicPseudoType {
		return v, nil
	}
	if sl.words && v.Type() == cty.String {
		return splitWords(sl, a, v)
	}
	cv, err := convert.Convert(v, sl.typ)
	if err != nil {
		return cty.UnknownVal(sl.typ), hcl.Diagnostics{errorIn(a.Expr.Range(), a.Range, "Incorrect attribute value type",
			"Inappropriate value for attribute %q: %s.%s", a.Name, err, boolHint(sl.typ, v))}
	}
	return cv, nil
}

// runChecks applies the slot's semantic checks to a wholly known value.
func runChecks(sl *slot, a *attr, v cty.Value, attrs map[string]cty.Value) hcl.Diagnostics {
	if len(sl.checks) == 0 || v.IsNull() || !v.IsWhollyKnown() {
		return nil
	}
	var diags hcl.Diagnostics
	for _, check := range sl.checks {
		if err := check(v, attrs); err != nil {
			diags = append(diags, errorIn(a.Expr.Range(), a.Range, fmt.Sprintf("Invalid value for %q", a.Name),
				"%s.", sentence(err.Error())))
		}
	}
	return diags
}

// sentence capitalizes the first letter of an error message.
func sentence(s string) string {
	for i, r := range s {
		return string(unicode.ToUpper(r)) + s[i+len(string(r)):]
	}
	return s
}

// splitWords turns a string into the list of words a shell would run,
// for the attributes that take either (a container's command).
func splitWords(sl *slot, a *attr, v cty.Value) (cty.Value, hcl.Diagnostics) {
	if !v.IsKnown() {
		return cty.UnknownVal(sl.typ), nil
	}
	words, err := cmdline.Split(v.AsString())
	if errors.Is(err, cmdline.ErrEmpty) {
		words, err = nil, nil
	}
	if err != nil {
		return cty.UnknownVal(sl.typ), hcl.Diagnostics{errorIn(a.Expr.Range(), a.Range, "Invalid command line",
			"%q cannot be split into words: %s. Write it as a list, like [\"/bin/sh\", \"-c\", \"...\"], or close the quote.", a.Name, err)}
	}
	if len(words) == 0 {
		return cty.ListValEmpty(cty.String), nil
	}
	out := make([]cty.Value, len(words))
	for i, w := range words {
		out[i] = cty.StringVal(w)
	}
	return cty.ListVal(out), nil
}
