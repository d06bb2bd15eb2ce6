package providers

import (
	"fmt"
	"time"

	"github.com/zclconf/go-cty/cty"
)

// Unknown is how plans print a value known only after apply.
const Unknown = "(known after apply)"

// Str returns a string attribute: "" when null, Unknown when unknown.
func (r *Resource) Str(name string) string {
	v, ok := r.Attrs[name]
	if !ok || v.IsNull() {
		return ""
	}
	if !v.IsKnown() {
		return Unknown
	}
	if v.Type() != cty.String {
		return ""
	}
	return v.AsString()
}

// Known reports whether every named attribute is known (null counts as known).
func (r *Resource) Known(names ...string) bool {
	for _, n := range names {
		if v, ok := r.Attrs[n]; ok && !v.IsWhollyKnown() {
			return false
		}
	}
	return true
}

// Bool returns a bool attribute, false when null or unknown.
func (r *Resource) Bool(name string) bool {
	v, ok := r.Attrs[name]
	if !ok || v.IsNull() || !v.IsKnown() || v.Type() != cty.Bool {
		return false
	}
	return v.True()
}

// Int returns a number attribute as an int, 0 when null or unknown.
func (r *Resource) Int(name string) int {
	v, ok := r.Attrs[name]
	if !ok || v.IsNull() || !v.IsKnown() || v.Type() != cty.Number {
		return 0
	}
	i, _ := v.AsBigFloat().Int64()
	return int(i)
}

// Duration parses a duration attribute ("300ms", "5s"); def when null,
// unknown or unparsable (lang validates the syntax before drivers see it).
func (r *Resource) Duration(name string, def time.Duration) time.Duration {
	s := r.Str(name)
	if s == "" || s == Unknown {
		return def
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return def
	}
	return d
}

// PositiveDuration parses a timeout: a Go duration above zero ("30s").
func PositiveDuration(s string) (time.Duration, error) {
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("%q is not a positive duration like \"30s\"", s)
	}
	return d, nil
}

// CheckDurations refuses each attribute of names that is set to
// something other than a positive duration (PositiveDuration).
func (r *Resource) CheckDurations(names ...string) []*AttrError {
	var errs []*AttrError
	for _, a := range names {
		if s := r.Str(a); s != "" && s != Unknown {
			if _, err := PositiveDuration(s); err != nil {
				errs = append(errs, Invalid(a, "%s %v", a, err))
			}
		}
	}
	return errs
}

// Strings returns a list(string) attribute; nil when null or unknown.
func (r *Resource) Strings(name string) []string {
	v, ok := r.Attrs[name]
	if !ok || v.IsNull() || !v.IsWhollyKnown() || !(v.Type().IsListType() || v.Type().IsTupleType() || v.Type().IsSetType()) {
		return nil
	}
	var out []string
	for it := v.ElementIterator(); it.Next(); {
		_, e := it.Element()
		if e.Type() == cty.String && !e.IsNull() {
			out = append(out, e.AsString())
		}
	}
	return out
}

// StringMap returns a map(string) attribute; nil when null or unknown.
func (r *Resource) StringMap(name string) map[string]string {
	v, ok := r.Attrs[name]
	if !ok || v.IsNull() || !v.IsWhollyKnown() || !(v.Type().IsMapType() || v.Type().IsObjectType()) {
		return nil
	}
	out := map[string]string{}
	for it := v.ElementIterator(); it.Next(); {
		k, e := it.Element()
		if e.Type() == cty.String && !e.IsNull() {
			out[k.AsString()] = e.AsString()
		}
	}
	return out
}
