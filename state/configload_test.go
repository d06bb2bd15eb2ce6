package state

import (
	"strings"
	"testing"
)

// What om loads on a node without configuration files is what the daemon
// keeps in force: the kept entries that load together, by their .hcl
// name. An entry that declares another service too is left out.
func TestConfigSourcesAreWhatLoadsTogether(t *testing.T) {
	s := Open(t.TempDir())
	webSrc := "service \"web\" {\n  nodes = [\"n1\"]\n}\n"
	for _, e := range []*ConfigEntry{
		{Service: "web", Gen: 3, Hash: HashSource(webSrc), Source: webSrc},
		{Service: "aa", Gen: 1, Hash: HashSource("service \"aa\" {}\n" + webSrc), Source: "service \"aa\" {}\n" + webSrc},
	} {
		if err := s.WriteConfig(e); err != nil {
			t.Fatal(err)
		}
	}
	kept, _, leftOut, err := s.LoadTogether()
	if err != nil {
		t.Fatal(err)
	}
	if len(kept) != 1 || kept["web"] == nil || kept["web"].Gen != 3 {
		t.Errorf("kept: %v", kept)
	}
	if l := leftOut["aa"]; len(leftOut) != 1 || l.Entry == nil || l.Why == nil || !strings.Contains(l.Why.Error(), "must declare aa alone") {
		t.Errorf("left out: %v", leftOut)
	}
	src := s.ConfigSources()
	if len(src) != 1 || string(src[s.ConfigFile("web")]) != webSrc {
		t.Errorf("sources: %q", src)
	}
}
