package plan

import (
	"encoding/json"
	"reflect"
	"testing"
)

// LazyLive reads what json.Unmarshal reads into a Live, service by
// service, and fails where it fails, valid JSON or not.
func checkLazyLive(t *testing.T, doc []byte) {
	t.Helper()
	var want Live
	werr := json.Unmarshal(doc, &want)
	l, err := OpenLive(doc)
	if err != nil {
		if werr == nil || err.Error() != werr.Error() {
			t.Fatalf("OpenLive(%q): %v, want %v", doc, err, werr)
		}
		return
	}
	if werr == nil && (l.FormatVersion != want.FormatVersion || l.Node != want.Node) {
		t.Fatalf("OpenLive(%q): top %q %q, want %q %q", doc, l.FormatVersion, l.Node, want.FormatVersion, want.Node)
	}
	names := []string{"", "absent"}
	for _, s := range want.Services {
		if s != nil {
			names = append(names, s.Service)
		}
	}
	got := map[string]*LiveInstance{}
	for _, n := range names {
		got[n] = l.service(n)
	}
	ferr := l.Finish()
	if (ferr == nil) != (werr == nil) || ferr != nil && ferr.Error() != werr.Error() {
		t.Fatalf("lazy read of %q: error %v, want %v", doc, ferr, werr)
	}
	if werr != nil {
		return
	}
	for _, n := range names {
		if w := want.Service(n); !reflect.DeepEqual(got[n], w) {
			t.Fatalf("lazy read of %q: service %q is %#v, want %#v", doc, n, got[n], w)
		}
	}
}

var lazySeeds = []string{
	``, ` `, `{`, `{"services":[{"service":"a"}`, `{"services":[{"service":"a"}]} x`,
	`{"services":[{"service":"a","resources":[{"rid":"x" "kind":"y"}]}]}`,
	`{"services":[{"service":"a","resources":[{"rid":"x","exposed":{"a":tru}}]}]}`,
	`{"services":[{"service":"a","resources":[{"rid":"x","exposed":{"a":01}}]}]}`,
	`{"services":[{"service":"a"},{"service":"b","status":5}]}`,
	`{"services":[{"service":"a"},{"service":"a","status":"up"}]}`,
	`{"services":[{"service":"a"},{"service":"a","status":"up","extra":1}]}`,
	`{"services":[{"service":"a","strays":["\x"]}]}`,
	"{\"services\":[{\"service\":\"a\",\"strays\":[\"\x01\"]}]}",
	`{"services":[{"service":"a","resources":[{"inside":{"encap_node":1}}]}]}`,
	`{"node":"n","services":[{"service":"a","resources":[{"rid":"ip#0","exposed":{"ipaddr":"1.2.3.4"}}]},null,{"service":"b"}]}`,
}

func TestLazyLive(t *testing.T) {
	doc, _ := json.Marshal(sampleLive())
	checkLazyLive(t, doc)
	indented, _ := json.MarshalIndent(sampleLive(), " ", "\t")
	checkLazyLive(t, indented)
	for _, s := range append(liveSeeds, lazySeeds...) {
		checkLazyLive(t, []byte(s))
	}
}

func FuzzLazyLive(f *testing.F) {
	doc, _ := json.Marshal(sampleLive())
	f.Add(doc)
	for _, s := range append(liveSeeds, lazySeeds...) {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, doc []byte) { checkLazyLive(t, doc) })
}
