package lang

import (
	"math"
	"math/big"

	"github.com/zclconf/go-cty/cty"
)

// The xxxOf helpers read known values of the expected type and return the
// zero value for anything else: callers check types and knownness first, and
// these must never panic on what slipped through.

func usable(v cty.Value) bool { return v != cty.NilVal && v.IsKnown() && !v.IsNull() }

func boolOf(v cty.Value) bool {
	return usable(v) && v.Type() == cty.Bool && v.True()
}

func stringOf(v cty.Value) string {
	if !usable(v) || v.Type() != cty.String {
		return ""
	}
	return v.AsString()
}

// intOf returns a whole number that fits an int, else 0.
func intOf(v cty.Value) int {
	i, ok := wholeNumber(v)
	if !ok {
		return 0
	}
	return i
}

// wholeNumber converts a known number to an int when it is whole and fits.
func wholeNumber(v cty.Value) (int, bool) {
	if !usable(v) || v.Type() != cty.Number {
		return 0, false
	}
	bf := v.AsBigFloat()
	if !bf.IsInt() {
		return 0, false
	}
	i, acc := bf.Int64()
	if acc != big.Exact || i > math.MaxInt32 || i < math.MinInt32 {
		return 0, false
	}
	return int(i), true
}

// stringsOf reads a wholly known list, set or tuple of strings, skipping
// null elements.
func stringsOf(v cty.Value) []string {
	if !usable(v) || !v.IsWhollyKnown() {
		return nil
	}
	t := v.Type()
	if !t.IsListType() && !t.IsSetType() && !t.IsTupleType() {
		return nil
	}
	out := make([]string, 0, v.LengthInt())
	for it := v.ElementIterator(); it.Next(); {
		_, e := it.Element()
		if !e.IsNull() && e.Type() == cty.String {
			out = append(out, e.AsString())
		}
	}
	return out
}

func stringList(ss []string) cty.Value {
	if len(ss) == 0 {
		return cty.ListValEmpty(cty.String)
	}
	vals := make([]cty.Value, len(ss))
	for i, s := range ss {
		vals[i] = cty.StringVal(s)
	}
	return cty.ListVal(vals)
}
