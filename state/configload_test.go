package state

import (
	"encoding/json"
	"os"
	"testing"
)

// What om loads on a node without configuration files is what the daemon
// keeps in force: the kept entries that load together, by their .hcl name.
func TestConfigSourcesAreWhatLoadsTogether(t *testing.T) {
	s := Open(t.TempDir())
	if err := os.MkdirAll(s.ConfigDir(), 0o700); err != nil {
		t.Fatal(err)
	}
	entry := func(svc string, gen int64, src string) *ConfigEntry {
		return &ConfigEntry{Service: svc, Gen: gen, Hash: HashSource(src), Source: src}
	}
	webSrc := "service \"web\" {\n  nodes = [\"n1\"]\n}\n"
	for name, e := range map[string]*ConfigEntry{
		"web": entry("web", 3, webSrc),
		// declares web too: left out, an entry declares its service alone
		"aa": entry("aa", 1, "service \"aa\" {\n  nodes = [\"n1\"]\n}\nservice \"web\" {\n  nodes = [\"n1\"]\n}\n"),
		"db": entry("web", 9, webSrc), // web's entry under another name
	} {
		b, _ := json.Marshal(e)
		if err := os.WriteFile(s.ConfigPath(name), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	kept, skipped, leftOut, err := s.LoadTogether()
	if err != nil {
		t.Fatal(err)
	}
	if len(kept) != 1 || kept["web"] == nil || kept["web"].Gen != 3 {
		t.Errorf("kept: %v", kept)
	}
	if len(skipped) != 1 || skipped["db"] == nil {
		t.Errorf("skipped: %v", skipped)
	}
	if len(leftOut) != 1 || leftOut["aa"].Entry == nil || leftOut["aa"].Why == nil {
		t.Errorf("left out: %v", leftOut)
	}
	src := s.ConfigSources()
	if len(src) != 1 || string(src[s.ConfigFile("web")]) != webSrc {
		t.Errorf("sources: %q", src)
	}
}
