package main

import (
	"strings"
	"testing"
	"time"
)

// Two daemons that joined pin each other's key at their first contact:
// om node keys on each shows the other's own key; om node unpin forgets
// it (the transport's tests show the next connection pins the key it
// shows), and names a node that has none.
func TestNodeKeysArePinnedAtFirstContact(t *testing.T) {
	n1, n2, member, secret := twoDaemons(t)
	n2.env = append(n2.env, "OMHCL_SECRET="+secret)
	n2.must("daemon", "join", "--node", member)
	own := func(n *node) string { return keyLine(t, n.must("node", "keys"), "(this node)") }
	pinned := func(n *node, of string) string {
		for end := time.Now().Add(10 * time.Second); time.Now().Before(end); time.Sleep(100 * time.Millisecond) {
			if k := keyLine(t, n.must("node", "keys"), of); k != "" {
				return k
			}
		}
		t.Fatalf("%s's key is not pinned:\n%s", of, n.must("node", "keys"))
		return ""
	}
	if got, want := pinned(n1, "demo2"), own(n2); got != want || want == "" {
		t.Errorf("demo1 pinned %q for demo2, whose own key is %q", got, want)
	}
	if got, want := pinned(n2, "demo1"), own(n1); got != want {
		t.Errorf("demo2 pinned %q for demo1, whose own key is %q", got, want)
	}
	if out := n1.must("node", "unpin", "demo2"); !strings.Contains(out, "forgotten") {
		t.Errorf("unpin: %s", out)
	}
	n1.fails("demo3: no key pinned here", "node", "unpin", "demo3")
}

// keyLine is the fingerprint on the line of om node keys that holds
// word ("NODE" or "(this node)").
func keyLine(t *testing.T, out, word string) string {
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		if len(f) >= 2 && (f[0] == word || strings.HasSuffix(line, word)) {
			return f[1]
		}
	}
	return ""
}
