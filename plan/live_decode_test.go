package plan

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/omhcl/omhcl/providers"
	"github.com/zclconf/go-cty/cty"
)

// Live's direct reader must read every document as encoding/json does;
// when it is not sure to, encoding/json reads it.

// sampleLive is a document with every field set, encap status included.
func sampleLive() *Live {
	applied := Values{"ipname": cty.StringVal("198.18.0.2/16"), "n": cty.NumberIntVal(3)}
	inner := &LiveInstance{Service: "svc1", Node: "vm1", Status: providers.Up, Role: "encap",
		Resources: []*LiveResource{{RID: "app#a", Kind: "app", Type: "simple", Status: providers.Up}}}
	return &Live{FormatVersion: LiveFormatVersion, Node: "n1", Services: []*LiveInstance{
		{
			Service: "svc1", Node: "n1", Status: providers.Warn, Role: "primary", Provisioned: true, Frozen: true,
			Generation: 7, Strays: []string{"container omhcl.svc1.old"},
			ConfigSync: &LiveResource{RID: "sync#i0", Status: providers.Up, Messages: []string{"n2: 3"}},
			Resources: []*LiveResource{
				{
					RID: "ip#vip", Kind: "ip", Type: "host", Status: providers.Up, Description: "198.18.0.2/16 br-prd",
					Flags: ".M.....1", Provisioned: true, Exists: true, Drift: []string{"image"}, Remnant: "a container",
					Provisionable: true, Arms: true, Disable: true, Optional: true, Monitor: true, Encap: true, Standby: true,
					Restart: 2, Skipped: "disabled", Orphan: true, Messages: []string{"one", "two \"quoted\" é \u2028"},
					Exposed: Values{"ipaddr": cty.StringVal("198.18.0.2"), "prefix": cty.NumberIntVal(16)},
					Applied: &applied,
				},
				{
					RID: "container#c", Kind: "container", Type: "docker", Status: providers.Up,
					Inside: &EncapStatus{Node: "vm1", CheckedAt: time.Date(2026, 12, 6, 1, 2, 3, 4, time.UTC), Instance: inner, Leftovers: []string{"198.18.0.9"}},
				},
				{RID: "fs#tmp", Kind: "fs", Type: "tmpfs", Status: providers.Down, Exposed: Values{}},
			},
		},
		{Service: "svc2", Node: "n1", Status: providers.Down, Resources: []*LiveResource{}},
		{Service: "svc3"},
	}}
}

// viaEncodingJSON is what encoding/json reads of doc into a fresh Live.
func viaEncodingJSON(doc []byte) (*Live, error) {
	var l Live
	err := json.Unmarshal(doc, (*liveDocument)(&l))
	return &l, err
}

func checkLiveDecode(t *testing.T, doc []byte) {
	t.Helper()
	want, werr := viaEncodingJSON(doc)
	fast, ok := decodeLive(doc)
	if ok && werr != nil {
		t.Fatalf("direct reader took %s, which encoding/json refuses: %v", doc, werr)
	}
	if ok && !reflect.DeepEqual(fast, want) {
		t.Fatalf("direct reader differs on %s:\n got %#v\nwant %#v", doc, fast, want)
	}
	var got Live
	gerr := json.Unmarshal(doc, &got)
	// the reference decodes a liveDocument; without UnmarshalJSON, errors
	// would name Live
	if (gerr == nil) != (werr == nil) || gerr != nil && gerr.Error() != strings.ReplaceAll(strings.ReplaceAll(werr.Error(), "plan.liveDocument", "plan.Live"), "liveDocument.", "Live.") {
		t.Fatalf("Unmarshal(%s): error %v, want %v", doc, gerr, werr)
	}
	if gerr == nil && !reflect.DeepEqual(&got, want) {
		t.Fatalf("Unmarshal differs on %s:\n got %#v\nwant %#v", doc, &got, want)
	}
}

func TestLiveDecodeAsEncodingJSON(t *testing.T) {
	doc, err := json.Marshal(sampleLive())
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := decodeLive(doc); !ok {
		t.Fatalf("the direct reader gives up on om status --json output: %s", doc)
	}
	checkLiveDecode(t, doc)
	indented, _ := json.MarshalIndent(sampleLive(), " ", "\t")
	checkLiveDecode(t, indented)
	for _, s := range liveSeeds {
		checkLiveDecode(t, []byte(s))
	}
}

// liveSeeds are documents the direct reader must read alike or leave to
// encoding/json.
var liveSeeds = []string{
	`{}`, `null`, `{"services":null}`, `{"services":[]}`, `{"services":[null]}`,
	`{"services":[{}]}`, `{"services":[{"resources":null}]}`, `{"services":[{"resources":[]}]}`,
	`{"services":[{"resources":[null]}]}`, `{"services":[{"resources":[{}]}]}`,
	`{"format_version":"1.0","node":null,"services":[{"service":"a","strays":[]}]}`,
	`{"Node":"n1"}`, `{"node":"n1","node":"n2"}`, `{"unknown":1,"node":"n1"}`,
	`{"services":[{"service":"a","service":"b"}]}`, `{"services":[{"SERVICE":"a"}]}`,
	`{"services":[{"generation":1.0}]}`, `{"services":[{"generation":1e3}]}`, `{"services":[{"generation":-0}]}`,
	`{"services":[{"generation":99999999999999999999}]}`, `{"services":[{"generation":"1"}]}`,
	`{"services":[{"resources":[{"restart":-3,"status":"up","messages":["a",null]}]}]}`,
	`{"services":[{"resources":[{"exposed":null,"applied":null,"inside":null,"drift":null}]}]}`,
	`{"services":[{"resources":[{"exposed":{},"applied":{}}]}]}`,
	`{"services":[{"resources":[{"exposed":{"a":[1,{"b":null}],"c":"\u00e9\n"}}]}]}`,
	`{"services":[{"resources":[{"exposed":{"a":1,"a":2}}]}]}`,
	`{"services":[{"resources":[{"exposed":[1]}]}]}`,
	`{"services":[{"resources":[{"inside":{"encap_node":"x","checked_at":"bad"}}]}]}`,
	`{"services":[{"resources":[{"inside":{"encap_node":"x","instance":{"service":"s","resources":[{"rid":"a#b"}]}}}]}]}`,
	`{"services":[{"config_sync":null}]}`, `{"services":[{"config_sync":{"rid":"sync#i0","flags":"\\u0041"}}]}`,
	`{"services":[{"provisioned":null,"frozen":true}]}`, `{"services":[{"provisioned":1}]}`,
	`{"services":[{"service":"a\"b\\c"}], "node" : "n" }`, "{\"services\":[{\"service\":\"bad \xff\"}]}",
	`{"services":{}}`, `{"services":[1]}`, `{"services":["a"]}`, `[]`, `"x"`,
	`{"services":[{"resources":[{"rid":"a","rid":"b"}]}]}`,
	`{"format_version":1}`, `{"node":true}`,
}

func FuzzLiveDecode(f *testing.F) {
	doc, _ := json.Marshal(sampleLive())
	f.Add(doc)
	for _, s := range liveSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, doc []byte) {
		if !json.Valid(doc) {
			return // encoding/json refuses it before any UnmarshalJSON
		}
		checkLiveDecode(t, doc)
	})
}

// A Live that is not empty is decoded into by encoding/json, which merges.
func TestLiveDecodeIntoFilledLive(t *testing.T) {
	l := Live{Node: "kept", FormatVersion: "0.9"}
	if err := json.Unmarshal([]byte(`{"format_version":"1.0"}`), &l); err != nil {
		t.Fatal(err)
	}
	if l.Node != "kept" || l.FormatVersion != "1.0" {
		t.Errorf("decoded into a filled Live: %+v", l)
	}
}

// Type errors name Live, not the type the reader falls back to.
func TestLiveDecodeErrorNamesLive(t *testing.T) {
	var l Live
	err := json.Unmarshal([]byte(`{"node":1}`), &l)
	var te *json.UnmarshalTypeError
	if !errors.As(err, &te) || te.Struct != "Live" || !strings.Contains(err.Error(), "Live.node") {
		t.Errorf("error %v", err)
	}
}
