package plan

import (
	"encoding/json"

	"github.com/zclconf/go-cty/cty"
)

// decodeValues reads a JSON object of values as cty's SimpleJSONValue does,
// in one pass: strings, numbers and bools as such, arrays as tuples,
// objects as objects, null as a null of unknown type. errNotSimple for
// anything it is not sure to read alike (the caller falls back to cty).
func decodeValues(b []byte) (Values, error) {
	d := &valueDecoder{b: b}
	d.space()
	if d.literal("null") {
		return Values{}, d.end()
	}
	if !d.take('{') {
		return nil, errNotSimple
	}
	out := Values{}
	if d.space(); d.take('}') {
		return out, d.end()
	}
	for {
		k, err := d.key()
		if err != nil {
			return nil, err
		}
		v, err := d.value(0)
		if err != nil {
			return nil, err
		}
		out[k] = v // the last of duplicate keys wins, as in encoding/json
		if d.space(); d.take('}') {
			return out, d.end()
		}
		if !d.take(',') {
			return nil, errNotSimple
		}
	}
}

type valueDecoder struct {
	b []byte
	i int
}

// maxDepth bounds nesting: deeper documents go to encoding/json, which
// has its own limit.
const maxDepth = 100

func (d *valueDecoder) space() {
	for d.i < len(d.b) {
		switch d.b[d.i] {
		case ' ', '\t', '\n', '\r':
			d.i++
		default:
			return
		}
	}
}

func (d *valueDecoder) take(c byte) bool {
	if d.i < len(d.b) && d.b[d.i] == c {
		d.i++
		return true
	}
	return false
}

func (d *valueDecoder) literal(s string) bool {
	if len(d.b)-d.i >= len(s) && string(d.b[d.i:d.i+len(s)]) == s {
		d.i += len(s)
		return true
	}
	return false
}

func (d *valueDecoder) end() error {
	if d.space(); d.i != len(d.b) {
		return errNotSimple
	}
	return nil
}

// key reads `"name":`.
func (d *valueDecoder) key() (string, error) {
	d.space()
	k, err := d.string()
	if err != nil {
		return "", err
	}
	if d.space(); !d.take(':') {
		return "", errNotSimple
	}
	return k, nil
}

func (d *valueDecoder) value(depth int) (cty.Value, error) {
	d.space()
	if d.i >= len(d.b) || depth > maxDepth {
		return cty.NilVal, errNotSimple
	}
	switch c := d.b[d.i]; {
	case c == '"':
		s, err := d.string()
		return cty.StringVal(s), err
	case c == '{':
		return d.object(depth)
	case c == '[':
		return d.array(depth)
	case c == '-' || c >= '0' && c <= '9':
		return d.number()
	case d.literal("true"):
		return cty.True, nil
	case d.literal("false"):
		return cty.False, nil
	case d.literal("null"):
		return cty.NullVal(cty.DynamicPseudoType), nil
	}
	return cty.NilVal, errNotSimple
}

// object reads an object; a repeated key goes to cty, whose answer depends
// on the types.
func (d *valueDecoder) object(depth int) (cty.Value, error) {
	d.i++ // {
	if d.space(); d.take('}') {
		return cty.EmptyObjectVal, nil
	}
	attrs := map[string]cty.Value{}
	for {
		k, err := d.key()
		if err != nil {
			return cty.NilVal, err
		}
		if _, dup := attrs[k]; dup {
			return cty.NilVal, errNotSimple
		}
		if attrs[k], err = d.value(depth + 1); err != nil {
			return cty.NilVal, err
		}
		if d.space(); d.take('}') {
			return cty.ObjectVal(attrs), nil
		}
		if !d.take(',') {
			return cty.NilVal, errNotSimple
		}
	}
}

func (d *valueDecoder) array(depth int) (cty.Value, error) {
	d.i++ // [
	if d.space(); d.take(']') {
		return cty.EmptyTupleVal, nil
	}
	var elems []cty.Value
	for {
		v, err := d.value(depth + 1)
		if err != nil {
			return cty.NilVal, err
		}
		elems = append(elems, v)
		if d.space(); d.take(']') {
			return cty.TupleVal(elems), nil
		}
		if !d.take(',') {
			return cty.NilVal, errNotSimple
		}
	}
}

// string reads a JSON string; escapes, control and non-ASCII bytes are
// left to encoding/json.
func (d *valueDecoder) string() (string, error) {
	if !d.take('"') {
		return "", errNotSimple
	}
	start, plain := d.i, true
	for ; d.i < len(d.b); d.i++ {
		switch c := d.b[d.i]; {
		case c == '"':
			d.i++
			if plain {
				return string(d.b[start : d.i-1]), nil
			}
			var s string
			if json.Unmarshal(d.b[start-1:d.i], &s) != nil {
				return "", errNotSimple
			}
			return s, nil
		case c == '\\':
			plain = false
			d.i++ // the escaped byte cannot end the string
		case c < 0x20 || c >= 0x80:
			plain = false
		}
	}
	return "", errNotSimple
}

// number reads a JSON number (RFC 8259 grammar) and parses it as cty does.
func (d *valueDecoder) number() (cty.Value, error) {
	start := d.i
	d.take('-')
	switch {
	case d.take('0'):
	case d.digits() == 0:
		return cty.NilVal, errNotSimple
	}
	if d.take('.') && d.digits() == 0 {
		return cty.NilVal, errNotSimple
	}
	if d.take('e') || d.take('E') {
		if !d.take('+') {
			d.take('-')
		}
		if d.digits() == 0 {
			return cty.NilVal, errNotSimple
		}
	}
	v, err := cty.ParseNumberVal(string(d.b[start:d.i]))
	if err != nil {
		return cty.NilVal, errNotSimple
	}
	return v, nil
}

func (d *valueDecoder) digits() int {
	n := 0
	for d.i < len(d.b) && d.b[d.i] >= '0' && d.b[d.i] <= '9' {
		d.i++
		n++
	}
	return n
}
