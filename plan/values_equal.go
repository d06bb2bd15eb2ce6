package plan

import (
	"unicode/utf8"

	"github.com/zclconf/go-cty/cty"
)

// sameJSON reports whether two known values encode to the same JSON
// (appendJSONValue), without encoding them: lists, sets and tuples are
// arrays, maps and objects are objects, nulls of any type are null.
// errNotSimple: the cty path must decide.
func sameJSON(a, b cty.Value) (bool, error) {
	if a.IsMarked() || b.IsMarked() || !a.IsKnown() || !b.IsKnown() {
		return false, errNotSimple
	}
	if a.IsNull() || b.IsNull() {
		return a.IsNull() && b.IsNull(), nil
	}
	ja, jb := jsonKind(a.Type()), jsonKind(b.Type())
	if ja == jsonOther || jb == jsonOther {
		return false, errNotSimple
	}
	if ja != jb {
		return false, nil
	}
	switch ja {
	case jsonString:
		return sameJSONString(a.AsString(), b.AsString()), nil
	case jsonBool:
		return a.True() == b.True(), nil
	case jsonNumber:
		fa, fb := a.AsBigFloat(), b.AsBigFloat()
		if fa.IsInf() || fb.IsInf() {
			return false, errNotSimple
		}
		ia, oka := smallInt(fa)
		ib, okb := smallInt(fb)
		if oka && okb {
			return ia == ib, nil
		}
		// the JSON text, not the value: it depends on the precision
		return fa.Text('f', -1) == fb.Text('f', -1), nil
	}
	return sameElements(a, b)
}

// sameElements compares arrays element by element, and objects key by key
// (both iterate in key order).
func sameElements(a, b cty.Value) (bool, error) {
	if a.LengthInt() != b.LengthInt() {
		return false, nil
	}
	ia, ib := a.ElementIterator(), b.ElementIterator()
	for ia.Next() && ib.Next() {
		ka, ea := ia.Element()
		kb, eb := ib.Element()
		if jsonKind(a.Type()) == jsonObject && ka.AsString() != kb.AsString() {
			return false, nil
		}
		if eq, err := sameJSON(ea, eb); !eq || err != nil {
			return false, err
		}
	}
	return true, nil
}

// sameJSONString compares strings as encoding/json writes them: invalid
// UTF-8 becomes U+FFFD, so different bytes may still encode alike.
func sameJSONString(a, b string) bool {
	if a == b {
		return true
	}
	if utf8.ValidString(a) && utf8.ValidString(b) {
		return false
	}
	return string(appendJSONString(nil, a)) == string(appendJSONString(nil, b))
}

type jsonKindOf int

const (
	jsonOther jsonKindOf = iota
	jsonString
	jsonBool
	jsonNumber
	jsonArray
	jsonObject
)

func jsonKind(t cty.Type) jsonKindOf {
	switch {
	case t == cty.String:
		return jsonString
	case t == cty.Bool:
		return jsonBool
	case t == cty.Number:
		return jsonNumber
	case t.IsListType() || t.IsSetType() || t.IsTupleType():
		return jsonArray
	case t.IsMapType() || t.IsObjectType():
		return jsonObject
	}
	return jsonOther
}
