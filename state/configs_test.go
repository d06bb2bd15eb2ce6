package state

import (
	"os"
	"path/filepath"
	"testing"
)

// A name that is not a service name never becomes a path: "../../x/evil"
// would be written outside the store.
func TestConfigNamesStayInTheStore(t *testing.T) {
	root := t.TempDir()
	s := Open(filepath.Join(root, "a", "b"))
	if err := os.MkdirAll(filepath.Join(root, "a", "x"), 0o700); err != nil {
		t.Fatal(err)
	}
	src := "service \"evil\" {}\n"
	e := &ConfigEntry{Service: "../../x/evil", Gen: 1, Hash: HashSource(src), Source: src}
	if err := s.WriteConfig(e); err == nil {
		t.Error("an entry named ../../x/evil was kept")
	}
	if _, err := os.Stat(filepath.Join(root, "a", "x", "evil.json")); err == nil {
		t.Error("an entry was written outside the store")
	}
	if s.LoadConfig("../../x/evil") != nil {
		t.Error("LoadConfig read outside the store")
	}
}

// Generations never overflow: at the bound there is no next one, and an
// entry past it is refused; 2^63-1 would wrap to a negative generation
// that never wins again.
func TestConfigGenerationsAreChecked(t *testing.T) {
	if g, err := NextGen(41); err != nil || g != 42 {
		t.Fatalf("NextGen(41) = %d, %v", g, err)
	}
	for _, g := range []int64{MaxConfigGen, 1<<63 - 1, -1} {
		if _, err := NextGen(g); err == nil {
			t.Errorf("NextGen(%d) has a successor", g)
		}
	}
	src := "service \"web\" {}\n"
	if _, err := NewConfigEntry("web", src, "n1", &ConfigEntry{Service: "web", Gen: 1<<63 - 1}); err == nil {
		t.Error("an entry after generation 2^63-1 was made")
	}
	e := &ConfigEntry{Service: "web", Gen: 1<<63 - 1, Hash: HashSource(src), Source: src}
	if err := Open(t.TempDir()).WriteConfig(e); err == nil {
		t.Error("generation 2^63-1 was kept")
	}
	if CheckJump(5, 6, 1) != nil || CheckJump(0, MaxGenJump, MaxGenJump) != nil {
		t.Error("a jump within the bound was refused")
	}
	if CheckJump(5, 7, 1) == nil || CheckJump(1, MaxConfigGen, MaxGenJump) == nil {
		t.Error("a far jump was taken")
	}
}

// An entry is kept under its own service's name only, with its text's
// hash; LoadConfigs leaves out and names a file that breaks either.
func TestConfigEntriesAreCheckedWhenLoaded(t *testing.T) {
	s := Open(t.TempDir())
	src := "service \"web\" {}\n"
	good := &ConfigEntry{Service: "web", Gen: 2, Hash: HashSource(src), Source: src}
	if err := s.WriteConfig(good); err != nil {
		t.Fatal(err)
	}
	if err := s.WriteConfig(&ConfigEntry{Service: "db", Gen: 1, Hash: "0000", Source: src}); err == nil {
		t.Error("an entry whose hash is not its text's was kept")
	}
	// db.json holding web's entry, written behind the store's back
	b, _ := os.ReadFile(s.ConfigPath("web"))
	if err := os.WriteFile(s.ConfigPath("db"), b, 0o600); err != nil {
		t.Fatal(err)
	}
	entries, skipped, err := s.LoadConfigs()
	if err != nil || len(entries) != 1 || entries["web"] == nil || len(skipped) != 1 {
		t.Fatalf("LoadConfigs: %v, skipped %v, %v", entries, skipped, err)
	}
	if s.LoadConfig("db") != nil {
		t.Error("LoadConfig took web's entry as db's")
	}
}
