package plan

import (
	"encoding/json"
	"math/big"
	"strings"
	"testing"

	"github.com/zclconf/go-cty/cty"
)

// The direct JSON codec of Values must agree with cty's (valuesSlow) on
// every input: snapshots and records written by one are read by the other.

func sampleValues() []cty.Value {
	str := cty.StringVal
	return []cty.Value{
		str(""), str("plain /srv/svc1/data"), str(`quote " and \ backslash`),
		str("<html> & friends"), str("tab\there\nnewline"), str("été ☃ 日本"),
		str("line\u2028sep"), str("bad \xff utf8"), str("\x00\x1f"),
		cty.True, cty.False,
		cty.NumberIntVal(0), cty.NumberIntVal(-42), cty.NumberIntVal(1 << 62),
		cty.NumberFloatVal(0.1), cty.NumberFloatVal(-1.5e-7), cty.NumberFloatVal(3e21),
		cty.MustParseNumberVal("0.1"), cty.MustParseNumberVal("123456789012345678901234567890.5"),
		cty.NullVal(cty.String), cty.NullVal(cty.DynamicPseudoType),
		cty.ListVal([]cty.Value{str("/dev/loop0"), str("/dev/loop1")}),
		cty.ListValEmpty(cty.String),
		cty.SetVal([]cty.Value{str("b"), str("a")}),
		cty.TupleVal([]cty.Value{str("/dev/loop0"), str("/dev/loop1")}),
		cty.TupleVal([]cty.Value{str("x"), cty.NumberIntVal(1), cty.NullVal(cty.Bool)}),
		cty.EmptyTupleVal,
		cty.MapVal(map[string]cty.Value{"B": str("2"), "A": str("1"), "<k>": str("&")}),
		cty.MapValEmpty(cty.String),
		cty.ObjectVal(map[string]cty.Value{"B": str("2"), "A": str("1"), "<k>": str("&")}),
		cty.ObjectVal(map[string]cty.Value{"value": str("v"), "n": cty.NullVal(cty.Number)}),
		cty.EmptyObjectVal,
		cty.ObjectVal(map[string]cty.Value{
			"list": cty.ListVal([]cty.Value{cty.MapVal(map[string]cty.Value{"k": str("v")})}),
			"obj":  cty.ObjectVal(map[string]cty.Value{"deep": cty.TupleVal([]cty.Value{cty.True})}),
		}),
	}
}

func TestValuesMarshalMatchesCty(t *testing.T) {
	vals := Values{
		"unknown":       cty.UnknownVal(cty.String),
		"partly":        cty.ListVal([]cty.Value{cty.StringVal("a"), cty.UnknownVal(cty.String)}),
		"nil":           cty.NilVal,
		"infinity":      cty.PositiveInfinity,
		"<escaped key>": cty.StringVal("v"),
	}
	for i, v := range sampleValues() {
		vals[string(rune('a'+i))] = v
	}
	for k, v := range vals {
		one := Values{k: v}
		got, err1 := json.Marshal(one)
		want, err2 := json.Marshal(valuesSlowMarshaler(one))
		if (err1 == nil) != (err2 == nil) || string(got) != string(want) {
			t.Errorf("%s = %#v:\n got %s (%v)\nwant %s (%v)", k, v, got, err1, want, err2)
		}
	}
	delete(vals, "infinity") // cty refuses it: no JSON for the whole set
	got, _ := json.Marshal(vals)
	want, _ := json.Marshal(valuesSlowMarshaler(vals))
	if string(got) != string(want) {
		t.Errorf("all values:\n got %s\nwant %s", got, want)
	}
}

type valuesSlowMarshaler Values

func (v valuesSlowMarshaler) MarshalJSON() ([]byte, error) { return valuesSlow{}.marshal(Values(v)) }

func TestValuesUnmarshalMatchesCty(t *testing.T) {
	docs := []string{
		`{}`, `null`, ` { "a" : "x" } `, `{"a":"x","a":"y"}`,
		`{"s":"esc \" \\ \/ \u00e9 \ud83d\ude00 \n","u":"été","n":null,"t":true,"f":false}`,
		`{"i":0,"neg":-12,"f":1.25,"e":1e3,"E":-2.5E-3,"big":123456789012345678901234567890}`,
		`{"l":[],"o":{},"t":["a",1,null,[true],{"k":"v"}],"deep":{"a":{"b":{"c":[1,2]}}}}`,
		`{"devs":["/dev/loop0"],"env":{"A":"1","B":"2"}}`,
		`{"dup":{"k":1,"k":2}}`, `{"dup":{"k":1,"k":"x"}}`,
		// invalid: both must refuse
		``, `{`, `{"a"}`, `{"a":}`, `{"a":01}`, `{"a":1.}`, `{"a":-}`, `{"a":.5}`, `{"a":1e}`,
		`{"a":tru}`, `{"a":"x",}`, `{"a":[1,]}`, `{"a":"x"} x`, `[1]`, `"s"`, `{"a":"\x"}`,
		"{\"a\":\"ctl\x01\"}", "{\"a\":\"bad \xff\"}", `{"a":[` + strings.Repeat("[", 200) + strings.Repeat("]", 200) + `]}`,
	}
	for _, doc := range docs {
		checkUnmarshal(t, []byte(doc))
	}
	for _, v := range sampleValues() {
		b, err := json.Marshal(Values{"v": v})
		if err != nil {
			t.Fatal(err)
		}
		checkUnmarshal(t, b)
	}
}

func checkUnmarshal(t *testing.T, doc []byte) {
	t.Helper()
	var got, want Values
	err1 := got.UnmarshalJSON(doc)
	err2 := valuesSlow{}.unmarshal(&want, doc)
	if (err1 == nil) != (err2 == nil) {
		t.Errorf("%q: error %v, cty's %v", doc, err1, err2)
		return
	}
	if len(got) != len(want) {
		t.Errorf("%q: %d values, cty %d", doc, len(got), len(want))
	}
	for k, w := range want {
		if g, ok := got[k]; !ok || !g.RawEquals(w) || !g.Type().Equals(w.Type()) {
			t.Errorf("%q: %s = %#v, cty %#v", doc, k, g, w)
		}
	}
}

func FuzzValuesUnmarshal(f *testing.F) {
	f.Add([]byte(`{"a":["x",1,{"b":null}],"c":true}`))
	f.Add([]byte(`{"s":"\u00e9\n","n":-1.5e3}`))
	f.Fuzz(func(t *testing.T, doc []byte) { checkUnmarshal(t, doc) })
}

func TestEqualValuesMatchesJSON(t *testing.T) {
	vals := sampleValues()
	// what a record's round trip makes of each sample
	for _, v := range sampleValues() {
		var back Values
		b, _ := json.Marshal(Values{"v": v})
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatal(err)
		}
		vals = append(vals, back["v"])
	}
	vals = append(vals, cty.UnknownVal(cty.String), cty.NilVal,
		cty.ListVal([]cty.Value{cty.StringVal("a"), cty.UnknownVal(cty.String)}))
	for _, a := range vals {
		for _, b := range vals {
			if got, want := equalValues(a, b), (valuesSlow{}).equal(a, b); got != want {
				t.Errorf("equalValues(%#v, %#v) = %v, JSON comparison says %v", a, b, got, want)
			}
		}
	}
}

// A map setting that changes is a change, also after the record's round
// trip turned the applied map into an object.
func TestChangedAttrsSeesAMapChange(t *testing.T) {
	env := func(v string) cty.Value { return cty.MapVal(map[string]cty.Value{"LEVEL": cty.StringVal(v)}) }
	var applied Values
	b, _ := json.Marshal(Values{"environment": env("debug"), "start": cty.StringVal("x")})
	if err := json.Unmarshal(b, &applied); err != nil {
		t.Fatal(err)
	}
	if got := changedAttrs(&applied, map[string]cty.Value{"environment": env("debug"), "start": cty.StringVal("x")}); len(got) != 0 {
		t.Errorf("same settings: changed %v", got)
	}
	got := changedAttrs(&applied, map[string]cty.Value{"environment": env("info"), "start": cty.StringVal("x")})
	if strings.Join(got, ",") != "environment" {
		t.Errorf("environment changed: changed %v", got)
	}
}

func TestNumbersWriteAsCtyDoes(t *testing.T) {
	ints := []int64{0, 1, -1, 9, 10, 16, 100, 1000000, -123456789, 1<<53 - 1, -(1<<53 - 1), 1 << 53, 1 << 60, 999999999999999999}
	for _, i := range ints {
		for _, prec := range []uint{24, 53, 64, 512} {
			f := new(big.Float).SetPrec(prec).SetInt64(i)
			got, err := appendJSONNumber(nil, f)
			if want := f.Text('f', -1); err != nil || string(got) != want {
				t.Errorf("%d at precision %d: %s (%v), want %s", i, prec, got, err, want)
			}
		}
	}
	negZero := new(big.Float).Neg(new(big.Float).SetPrec(64))
	if got, _ := appendJSONNumber(nil, negZero); string(got) != negZero.Text('f', -1) {
		t.Errorf("-0: %s, want %s", got, negZero.Text('f', -1))
	}
	for _, s := range []string{"0.5", "1e300", "-2.5e-9", "12345678901234567890"} {
		f := cty.MustParseNumberVal(s).AsBigFloat()
		if got, _ := appendJSONNumber(nil, f); string(got) != f.Text('f', -1) {
			t.Errorf("%s: %s, want %s", s, got, f.Text('f', -1))
		}
	}
}
