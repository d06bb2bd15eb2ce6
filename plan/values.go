package plan

import (
	"encoding/json"
	"errors"
	"slices"

	"github.com/zclconf/go-cty/cty"
	ctyjson "github.com/zclconf/go-cty/cty/json"
)

// Values is a set of attribute values that survives a JSON round trip with
// its types (unknown values cannot be serialized and are dropped).
//
// The encoding is cty's SimpleJSONValue: plain JSON, types implied on the
// way back (a list comes back as a tuple, a map as an object). Snapshots
// and records hold thousands of them, so encoding, decoding and comparing
// walk the values directly; the cty path (valuesSlow) stays for what the
// direct one does not handle (marks, capsules, infinities, odd JSON), so
// both always agree.
type Values map[string]cty.Value

// errNotSimple sends a value to the cty path.
var errNotSimple = errors.New("value needs the cty JSON path")

// MarshalJSON encodes each value as plain JSON, keys sorted.
func (v Values) MarshalJSON() ([]byte, error) {
	out, err := v.appendJSON(make([]byte, 0, 64*len(v)+2))
	if err != nil {
		return valuesSlow{}.marshal(v)
	}
	return out, nil
}

// appendJSON appends what MarshalJSON writes; errNotSimple when a value
// needs the cty path.
func (v Values) appendJSON(out []byte) ([]byte, error) {
	var small [16]string
	keys := small[:0]
	for k, val := range v {
		if val != cty.NilVal && val.IsWhollyKnown() {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	out = append(out, '{')
	for i, k := range keys {
		if i > 0 {
			out = append(out, ',')
		}
		out = appendJSONString(out, k)
		out = append(out, ':')
		var err error
		if out, err = appendJSONValue(out, v[k]); err != nil {
			return out, err
		}
	}
	return append(out, '}'), nil
}

// UnmarshalJSON decodes what MarshalJSON wrote.
func (v *Values) UnmarshalJSON(b []byte) error {
	out, err := decodeValues(b)
	if err != nil {
		return valuesSlow{}.unmarshal(v, b)
	}
	*v = out
	return nil
}

// equalValues compares values across the JSON round trip of the record,
// which turns lists into tuples and maps into objects: two values are equal
// when they encode to the same JSON. Values not wholly known encode to
// nothing, so they are all equal to each other.
func equalValues(a, b cty.Value) bool {
	if a.IsNull() || b.IsNull() {
		return a.IsNull() == b.IsNull()
	}
	ka, kb := a.IsWhollyKnown(), b.IsWhollyKnown()
	if !ka || !kb {
		return ka == kb
	}
	eq, err := sameJSON(a, b)
	if err != nil {
		return valuesSlow{}.equal(a, b)
	}
	return eq
}

// valuesSlow is the reference implementation through cty's JSON package.
type valuesSlow struct{}

func (valuesSlow) marshal(v Values) ([]byte, error) {
	out := map[string]ctyjson.SimpleJSONValue{}
	for k, val := range v {
		if val == cty.NilVal || !val.IsWhollyKnown() {
			continue
		}
		out[k] = ctyjson.SimpleJSONValue{Value: val}
	}
	return json.Marshal(out)
}

func (valuesSlow) unmarshal(v *Values, b []byte) error {
	var in map[string]ctyjson.SimpleJSONValue
	if err := json.Unmarshal(b, &in); err != nil {
		return err
	}
	*v = Values{}
	for k, val := range in {
		(*v)[k] = val.Value
	}
	return nil
}

func (valuesSlow) equal(a, b cty.Value) bool {
	if a.IsNull() || b.IsNull() {
		return a.IsNull() == b.IsNull()
	}
	ja, err1 := valuesSlow{}.marshal(Values{"v": a})
	jb, err2 := valuesSlow{}.marshal(Values{"v": b})
	if err1 != nil || err2 != nil {
		return a.RawEquals(b)
	}
	return string(ja) == string(jb)
}
