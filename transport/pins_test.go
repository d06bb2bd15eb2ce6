package transport

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Pins survive a reload, refuse another key for a pinned name, keep the
// first of two pins, and a file that cannot be read whole refuses every
// key rather than accept one anew.
func TestPins(t *testing.T) {
	dir := t.TempDir()
	p := &Pins{Path: filepath.Join(dir, PinsFile)}
	a, b := identity(t, "a", "s").Key.PublicKey(), identity(t, "b", "s").Key.PublicKey()
	if err := p.Check("node2", a); err != nil {
		t.Fatalf("an unpinned node: %v", err)
	}
	if ok, err := p.Pin("node2", a); !ok || err != nil {
		t.Fatalf("pin: %v %v", ok, err)
	}
	if ok, err := p.Pin("node2", b); ok || err != nil {
		t.Errorf("a second pin replaced the first: %v %v", ok, err)
	}
	reloaded := &Pins{Path: p.Path}
	if err := reloaded.Check("node2", a); err != nil {
		t.Errorf("the pinned key after a reload: %v", err)
	}
	if err := reloaded.Check("node2", b); !errors.Is(err, ErrKeyChanged) || !strings.Contains(err.Error(), "om node unpin node2") {
		t.Errorf("another key: %v", err)
	}
	if ok, err := p.Pin("../x", a); ok || err == nil {
		t.Errorf("a name that is not a node's was pinned: %v %v", ok, err)
	}
	if fi, err := os.Stat(p.Path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("the pins file: %v %v", fi.Mode(), err)
	}
	os.WriteFile(p.Path, []byte("node2 ssh-ed25519 garbage\n"), 0o600)
	if err := p.Check("node3", a); err == nil || !strings.Contains(err.Error(), ":1: not a pinned key") {
		t.Errorf("a corrupt pins file: %v", err)
	}
}

// A node's key is made once and kept: loaded again, it is the same.
func TestNodeKeyKept(t *testing.T) {
	dir := t.TempDir()
	first, err := LoadIdentity(dir, "node1", func() string { return "s" })
	if err != nil {
		t.Fatal(err)
	}
	again, err := LoadIdentity(dir, "node1", func() string { return "s" })
	if err != nil || !sameKey(first.Key.PublicKey(), again.Key.PublicKey()) {
		t.Errorf("the key loaded again differs: %v", err)
	}
	if fi, err := os.Stat(filepath.Join(dir, KeyFile)); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("the key file: %v %v", fi.Mode(), err)
	}
	if _, err := LoadIdentity(dir, "../node1", nil); err == nil {
		t.Error("a node name that is a path was accepted")
	}
}
