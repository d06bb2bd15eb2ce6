package plan

import (
	"encoding/json"
	"math/big"
	"strconv"
	"unicode/utf8"

	"github.com/zclconf/go-cty/cty"
)

// appendJSONValue appends the JSON of a known value, byte for byte what
// cty's JSON package and encoding/json write (HTML-escaped strings, object
// attributes sorted, numbers in 'f' format). errNotSimple: the cty path
// must decide (marks, unknowns, capsules, infinities).
func appendJSONValue(out []byte, v cty.Value) ([]byte, error) {
	if v.IsMarked() || !v.IsKnown() {
		return out, errNotSimple
	}
	if v.IsNull() {
		return append(out, "null"...), nil
	}
	t := v.Type()
	switch {
	case t == cty.String:
		return appendJSONString(out, v.AsString()), nil
	case t == cty.Bool:
		if v.True() {
			return append(out, "true"...), nil
		}
		return append(out, "false"...), nil
	case t == cty.Number:
		return appendJSONNumber(out, v.AsBigFloat())
	case t.IsListType() || t.IsSetType() || t.IsTupleType():
		out = append(out, '[')
		first := true
		for it := v.ElementIterator(); it.Next(); {
			if !first {
				out = append(out, ',')
			}
			first = false
			_, e := it.Element()
			var err error
			if out, err = appendJSONValue(out, e); err != nil {
				return out, err
			}
		}
		return append(out, ']'), nil
	case t.IsMapType() || t.IsObjectType():
		// cty iterates both in key order, as JSON objects are written
		out = append(out, '{')
		first := true
		for it := v.ElementIterator(); it.Next(); {
			if !first {
				out = append(out, ',')
			}
			first = false
			k, e := it.Element()
			out = appendJSONString(out, k.AsString())
			out = append(out, ':')
			var err error
			if out, err = appendJSONValue(out, e); err != nil {
				return out, err
			}
		}
		return append(out, '}'), nil
	}
	return out, errNotSimple
}

// appendJSONNumber writes a number as cty does: the shortest decimal that
// reads back to it at its precision. Whole numbers below 2^53 at float64
// precision or more are their digits: formatted without big's rounding.
func appendJSONNumber(out []byte, f *big.Float) ([]byte, error) {
	if f.IsInf() {
		return out, errNotSimple
	}
	if i, ok := smallInt(f); ok {
		return strconv.AppendInt(out, i, 10), nil
	}
	return f.Append(out, 'f', -1), nil
}

func smallInt(f *big.Float) (int64, bool) {
	if !f.IsInt() || f.Prec() < 53 || f.Sign() == 0 && f.Signbit() {
		return 0, false
	}
	i, acc := f.Int64()
	return i, acc == big.Exact && i < 1<<53 && i > -(1<<53)
}

// appendJSONString quotes s as encoding/json does by default.
func appendJSONString(out []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= utf8.RuneSelf || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			b, _ := json.Marshal(s) // a string always encodes
			return append(out, b...)
		}
	}
	out = append(out, '"')
	out = append(out, s...)
	return append(out, '"')
}
